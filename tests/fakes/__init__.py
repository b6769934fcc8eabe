"""In-memory fakes of the application's ports, for unit tests of the use cases.

Each fake implements a port of ``helpline.app.<capability>.ports``; the contract tests in
``tests/contract/`` run the same checks against a fake and against the real adapter on
SQLite and PostgreSQL, so a fake cannot drift from what the database does.
"""

"""Browser and HTTP end-to-end tests (a package, so that its conftest does not take the
plain ``conftest`` module name the other test folders import from)."""

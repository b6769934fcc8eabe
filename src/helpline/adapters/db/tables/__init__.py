"""The tables, one module per capability. Every table but ``tenants`` carries a non-null
``tenant_id`` (``TenantScoped``). Importing this package registers every table on
``Base.metadata``; a new capability's module is added to the list below."""

from helpline.adapters.db.tables import (  # noqa: F401
    acd,
    floor,
    knowledge,
    people,
    search,
    telephony,
    workorders,
)

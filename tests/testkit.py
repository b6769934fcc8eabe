"""Constants and helpers the tests import by name.

They live here, not in ``conftest.py``: several folders have a ``conftest.py``, and a plain
``from conftest import ...`` would get whichever was imported last.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from helpline.app.people import users
from helpline.app.people.security import issue_token
from helpline.bootstrap import Container
from helpline.domain.people.accounts import User

if TYPE_CHECKING:
    from starlette.testclient import TestClient

SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"
PASSWORD = "correct-horse-battery"
DEFAULT_TENANT = "default"


def auth_headers(user: User, secret_key: str = SECRET_KEY) -> dict[str, str]:
    token = issue_token(
        secret_key,
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        ttl=timedelta(hours=1),
        now=datetime.now(UTC),
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass
class MakeUser:
    """``make_user(role, tenant="default", username=None, password=PASSWORD, active=True)``
    -> ``(user, headers)``; the tenant is created if missing. ``headers`` carry a bearer token."""

    client: TestClient
    container: Container
    _counter: itertools.count[int]

    def __call__(
        self,
        role: str = "agent",
        tenant: str = DEFAULT_TENANT,
        *,
        username: str | None = None,
        password: str = PASSWORD,
        display_name: str = "",
        active: bool = True,
    ) -> tuple[User, dict[str, str]]:
        name = username or f"{role}{next(self._counter)}"

        async def create() -> User:
            passwords = self.container.passwords
            async with self.container.units(tenant) as uow:
                if await uow.tenants.get(tenant) is None:
                    await users.create_tenant(uow, passwords, tenant_id=tenant, name=tenant.title())
                user = await users.add_user(
                    uow, passwords, username=name, password=password, role=role, display_name=display_name
                )
                user.is_active = active
                await uow.users.save(user)
                await uow.commit()
                return user

        user = self.client.portal.call(create)  # type: ignore[union-attr]
        return user, auth_headers(user, self.container.secret_key)

"""What the operations app declares (see `lianjian.core.registry`).

Backups, restores, the drill and the first administrator are commands for
the operator on the server (`lianjian backup`, `restore`, `createadmin`): no
page, no permission of their own.
"""

from __future__ import annotations

from lianjian.core.registry import AppRegistry

REGISTRY = AppRegistry(label="ops", order=60)

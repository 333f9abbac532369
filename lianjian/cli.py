"""The `lianjian` console command: the project's manage.py."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - loads lianjian/settings.py, which checks every value
    except ImproperlyConfigured as exc:
        # one line naming the variable, not the traceback of the settings module
        sys.stderr.write(f"lianjian: 配置错误 (ImproperlyConfigured): {exc}\n")
        sys.exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

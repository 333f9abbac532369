"""gunicorn reads this file from the working directory: the project's settings (lianjian/gunicorn_conf.py)."""

from lianjian.gunicorn_conf import *  # noqa: F403

"""The working-day calendar: the State Council's schedule plus district and street days.

`services` writes (the official sync, local days one by one or in bulk), `parsing`
reads pasted lines and files into entries, `selectors` and `access` answer
scoped reads; the arithmetic itself is `lianjian.needs.workdays`.
"""

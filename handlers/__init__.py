"""The Telegram side of the assistant: thin, typed callbacks, one module per concern.

Callbacks translate Telegram updates into calls of :mod:`knowledge` and :mod:`storage` and
back; composing texts and keyboards is done by the pure functions of :mod:`handlers.render`.
Nothing outside this package (and ``bot.py``) imports ``telegram``.
"""

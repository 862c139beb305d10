"""The real application around a transport and a storage the test chooses.

``conftest.make_bot`` always uses a plain :class:`tg_fakes.RecordingRequest` and the real
:class:`storage.sqlite.SqliteStorage` and fails on any handler error; the reliability and
security tests need a transport that fails in a particular way or a storage whose disk fails,
and check the errors they provoke themselves. Both use ``conftest.running``.
"""

from conftest import running

__all__ = ["running"]

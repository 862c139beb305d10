"""Officer reports and maintenance commands (``report``, ``purge``, ``inbox``).

* :mod:`reports.summary` reads one period's figures from storage into a plain
  :class:`~reports.summary.Report` and lays them out as tables (:mod:`reports.tables`);
* :mod:`reports.text`, :mod:`reports.csv_export` and :mod:`reports.html_report` render those
  tables for the terminal, for Excel and as one offline HTML page with charts;
* :mod:`reports.inbox` groups the unanswered questions, names the nearest FAQ entry and
  writes the ``alternates:`` snippet for ``faq.yaml``;
* :mod:`reports.cli` is the command line, registered by ``bot.py``.

Nothing here imports ``telegram``.
"""

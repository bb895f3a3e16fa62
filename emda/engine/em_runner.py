"""MMEngine's Runner with its start-up dumps kept out of the terminal.

MMEngine logs the system environment, the whole resolved config and the
hook table at INFO before the first iteration (about 600 lines for an
IPL-CFCL config). They matter for a record, not for a person watching a
run, so :class:`EMRunner` sends them to the log file only; the config key
``log_dumps_to_console=True`` (``--verbose`` in the tools) prints them too.
"""
import logging

from mmengine.runner import Runner

from emda.registry import RUNNERS

#: beginnings of the start-up messages that only go to the log file
DUMP_PREFIXES = ('\n' + '-' * 60 + '\nSystem environment:', 'Config:\n',
                 'Hooks will be executed in the following order')


class StartupDumpFilter(logging.Filter):
    """Drop the environment, config and hook dumps from a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(DUMP_PREFIXES)


def _is_console(handler: logging.Handler) -> bool:
    return isinstance(handler, logging.StreamHandler) and not isinstance(
        handler, logging.FileHandler)


@RUNNERS.register_module()
class EMRunner(Runner):
    """A :class:`mmengine.runner.Runner` whose terminal output starts at
    the first training iteration; the log file keeps everything."""

    def build_logger(self, *args, **kwargs):
        logger = super().build_logger(*args, **kwargs)
        if not self.cfg.get('log_dumps_to_console', False):
            for handler in logger.handlers:
                if _is_console(handler) and not any(
                        isinstance(f, StartupDumpFilter)
                        for f in handler.filters):
                    handler.addFilter(StartupDumpFilter())
        return logger

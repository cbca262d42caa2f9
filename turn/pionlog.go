package turn

import (
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs keeps pion/turn's warnings and errors and drops the rest: its
// debug output is per packet ("Received N bytes"), which a relay must
// never log.
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (pionLogger) Trace(string)          {}
func (pionLogger) Tracef(string, ...any) {}
func (pionLogger) Debug(string)          {}
func (pionLogger) Debugf(string, ...any) {}
func (pionLogger) Info(string)           {}
func (pionLogger) Infof(string, ...any)  {}

func (l pionLogger) Warn(msg string)             { l.log.Warn(msg) }
func (l pionLogger) Warnf(f string, args ...any) { l.log.Warn(fmt.Sprintf(f, args...)) }
func (l pionLogger) Error(msg string)            { l.log.Error(msg) }
func (l pionLogger) Errorf(f string, args ...any) {
	l.log.Error(fmt.Sprintf(f, args...))
}

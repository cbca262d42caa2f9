package client

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// levelTrace is below slog.LevelDebug: pion traces are very chatty.
const levelTrace = slog.LevelDebug - 4

// pionLogs routes pion's logs to the Room's slog.Logger (which discards by
// default), so an embedding program decides what reaches its output.
type pionLogs struct{ l *slog.Logger }

// NewLogger implements logging.LoggerFactory.
func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{l: f.l.With("pion", scope)}
}

type pionLogger struct{ l *slog.Logger }

func (p pionLogger) log(level slog.Level, msg string) {
	p.l.Log(context.Background(), level, msg)
}

func (p pionLogger) logf(level slog.Level, format string, args ...any) {
	if p.l.Enabled(context.Background(), level) {
		p.l.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

func (p pionLogger) Trace(msg string)                  { p.log(levelTrace, msg) }
func (p pionLogger) Tracef(format string, args ...any) { p.logf(levelTrace, format, args...) }
func (p pionLogger) Debug(msg string)                  { p.log(slog.LevelDebug, msg) }
func (p pionLogger) Debugf(format string, args ...any) { p.logf(slog.LevelDebug, format, args...) }
func (p pionLogger) Info(msg string)                   { p.log(slog.LevelInfo, msg) }
func (p pionLogger) Infof(format string, args ...any)  { p.logf(slog.LevelInfo, format, args...) }
func (p pionLogger) Warn(msg string)                   { p.log(slog.LevelWarn, msg) }
func (p pionLogger) Warnf(format string, args ...any)  { p.logf(slog.LevelWarn, format, args...) }
func (p pionLogger) Error(msg string)                  { p.log(slog.LevelError, msg) }
func (p pionLogger) Errorf(format string, args ...any) { p.logf(slog.LevelError, format, args...) }

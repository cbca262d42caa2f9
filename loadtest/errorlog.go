package loadtest

import (
	"sort"
	"sync"
)

// maxErrorKinds bounds how many distinct error messages a run keeps.
const maxErrorKinds = 20

// errorLog counts the bots' errors by message.
type errorLog struct {
	mu     sync.Mutex
	counts map[string]int
	other  int // errors beyond maxErrorKinds distinct messages
}

func newErrorLog() *errorLog { return &errorLog{counts: map[string]int{}} }

func (l *errorLog) add(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.counts[msg]; !ok && len(l.counts) >= maxErrorKinds {
		l.other++
		return
	}
	l.counts[msg]++
}

// ErrorCount is one error message and how often it happened.
type ErrorCount struct {
	Message string `json:"message"`
	Count   int    `json:"count"`
}

// list returns the messages, most frequent first.
func (l *errorLog) list() []ErrorCount {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]ErrorCount, 0, len(l.counts)+1)
	for m, n := range l.counts {
		out = append(out, ErrorCount{m, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Message < out[j].Message
	})
	if l.other > 0 {
		out = append(out, ErrorCount{"(other errors)", l.other})
	}
	return out
}

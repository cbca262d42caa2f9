package browsertest_test

import (
	"testing"

	"github.com/parley-sfu/parley/internal/browsertest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

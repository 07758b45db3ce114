package conv

import (
	"bufio"
	"os"
	"strings"
)

// ReadTableFile calls fn with the fields of each line of a system table
// such as /etc/hosts or /etc/services: text after '#' is dropped and lines
// of fewer than two fields are skipped. A file that cannot be read is an
// empty table, as the C library treats it.
func ReadTableFile(path string, fn func(fields []string)) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if fields := strings.Fields(line); len(fields) >= 2 {
			fn(fields)
		}
	}
}

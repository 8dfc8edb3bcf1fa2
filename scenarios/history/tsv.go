package history

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"
)

// tsvHeader names the columns; it starts with '#' so line-oriented tools can
// skip it.
const tsvHeader = "#at\tkind\tid\tshard\tqueue\toffset\tconsumer\tfault\terr\n"

// WriteTSV writes the history one op per line, tab-separated, in the spirit
// of OpenChaos history files, so a failing case's evidence can be read or
// grepped by message key. Queue and offset are left empty for kinds that do
// not carry a position, so queue 0 is never confused with "unknown".
func (h *History) WriteTSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(tsvHeader); err != nil {
		return err
	}
	for _, op := range h.Ops() {
		var queue, offset string
		if op.Kind == Ack || op.Kind == Deliver {
			queue = strconv.Itoa(op.Queue)
			offset = strconv.FormatInt(op.Offset, 10)
		}
		fields := []string{
			op.At.Format(time.RFC3339Nano), string(op.Kind), op.ID, op.Shard,
			queue, offset, op.Consumer, op.Fault, op.Err,
		}
		for i, f := range fields {
			fields[i] = tsvField(f)
		}
		if _, err := bw.WriteString(strings.Join(fields, "\t") + "\n"); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// tsvField keeps a value on one line and in one column: error messages from
// clients may contain tabs and newlines.
func tsvField(s string) string {
	return strings.NewReplacer("\t", " ", "\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

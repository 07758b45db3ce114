package socket

import (
	"unicode/utf8"

	"go.starlark.net/starlark"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// The arguments of sendmsg and send_fds, read as CPython reads them.

// pyItems returns the items of v as Python's iteration gives them, or the
// TypeError notIterable. Python iterates a str (into 1-character strs)
// and bytes (into ints), which Starlark does not: of those only the
// first item is returned, since no str or int is valid where pyItems is
// used and CPython stops at the first.
func pyItems(v starlark.Value, notIterable string) ([]starlark.Value, error) {
	switch x := v.(type) {
	case starlark.String:
		if x == "" {
			return nil, nil
		}
		r, _ := utf8.DecodeRuneInString(string(x))
		return []starlark.Value{starlark.String(string(r))}, nil
	case starlark.Bytes:
		if x == "" {
			return nil, nil
		}
		return []starlark.Value{starlark.MakeInt(int(x[0]))}, nil
	}
	iter := starlark.Iterate(v)
	if iter == nil {
		return nil, builtins.Errorf(builtins.TypeError, "%s", notIterable)
	}
	defer iter.Done()
	var items []starlark.Value
	var item starlark.Value
	for iter.Next(&item) {
		items = append(items, item)
	}
	return items, nil
}

// dataBuffers reads sendmsg's buffers: an iterable of bytes-like objects.
func dataBuffers(v starlark.Value) ([][]byte, error) {
	items, err := pyItems(v, "sendmsg() argument 1 must be an iterable")
	if err != nil {
		return nil, err
	}
	buffers := make([][]byte, len(items))
	for i, item := range items {
		if buffers[i], err = conv.Bytes(item); err != nil {
			return nil, err
		}
	}
	return buffers, nil
}

// ancillaryItems reads sendmsg's ancdata: an iterable of
// (level, type, data) sequences, parsed as CPython's "(iiy*)".
func ancillaryItems(v starlark.Value) ([]conv.ControlMessage, error) {
	items, err := pyItems(v, "sendmsg() argument 2 must be an iterable")
	if err != nil {
		return nil, err
	}
	msgs := make([]conv.ControlMessage, len(items))
	for i, item := range items {
		fields, err := ancillaryFields(item)
		if err != nil {
			return nil, err
		}
		level, err := conv.Int(fields[0], conv.ArgInt)
		if err != nil {
			return nil, err
		}
		typ, err := conv.Int(fields[1], conv.ArgInt)
		if err != nil {
			return nil, err
		}
		data, err := conv.Bytes(fields[2])
		if err != nil {
			return nil, err
		}
		msgs[i] = conv.ControlMessage{Level: int32(level), Type: int32(typ), Data: data}
	}
	return msgs, nil
}

// ancillaryFields unpacks one ancdata item as a 3-item sequence (a tuple,
// a list; bytes are not one, a str is one of its characters).
func ancillaryFields(v starlark.Value) ([3]starlark.Value, error) {
	const where = "[sendmsg() ancillary data items]() argument"
	var n int
	switch x := v.(type) {
	case starlark.String:
		if n = utf8.RuneCountInString(string(x)); n == 3 {
			return [3]starlark.Value{}, conv.NotAnInteger(v) // its first character, a str
		}
	case starlark.Indexable:
		if _, isBytes := v.(starlark.Bytes); isBytes {
			return [3]starlark.Value{}, builtins.Errorf(builtins.TypeError, "%s must be 3-item sequence, not bytes", where)
		}
		if n = x.Len(); n == 3 {
			return [3]starlark.Value{x.Index(0), x.Index(1), x.Index(2)}, nil
		}
	default:
		name := builtins.PyTypeName(v)
		if v == starlark.None {
			name = "None"
		}
		return [3]starlark.Value{}, builtins.Errorf(builtins.TypeError, "%s must be 3-item sequence, not %s", where, name)
	}
	return [3]starlark.Value{}, builtins.Errorf(builtins.TypeError, "%s must be sequence of length 3, not %d", where, n)
}

// fdArray reads send_fds' fds as array.array("i", fds) does.
func fdArray(v starlark.Value) ([]byte, error) {
	switch x := v.(type) {
	case starlark.String:
		return nil, builtins.Errorf(builtins.TypeError, "cannot use a str to initialize an array with typecode 'i'")
	case starlark.Bytes:
		if len(x)%4 != 0 {
			return nil, builtins.Errorf(builtins.ValueError, "bytes length not a multiple of item size")
		}
		return []byte(x), nil
	}
	iter := starlark.Iterate(v)
	if iter == nil {
		return nil, builtins.Errorf(builtins.TypeError, "'%s' object is not iterable", builtins.PyTypeName(v))
	}
	defer iter.Done()
	var fds []int32
	var item starlark.Value
	for iter.Next(&item) {
		fd, err := conv.Int(item, conv.ArgInt)
		if err != nil {
			return nil, err
		}
		fds = append(fds, int32(fd))
	}
	return conv.FDData(fds), nil
}

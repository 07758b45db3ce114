package builtins

import (
	"context"
	"math"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// FileOptions are the dialect's Python-like language options: while loops,
// set(), if/for/while at top level, reassigning globals, and recursion.
var FileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
	Recursion:       true,
}

// ContextKey is the thread-local key under which a host ties a
// context.Context to a Starlark thread, the convention of go.starlark.net's
// repl: thread.SetLocal(builtins.ContextKey, ctx).
const ContextKey = "context"

// ThreadContext returns the context tied to thread, or nil if there is none.
func ThreadContext(thread *starlark.Thread) context.Context {
	if thread == nil {
		return nil
	}
	ctx, _ := thread.Local(ContextKey).(context.Context)
	return ctx
}

// Classes returns the exception classes by the names a script uses.
func Classes() starlark.StringDict {
	d := make(starlark.StringDict, len(allClasses))
	for _, c := range allClasses {
		if c.module == "" {
			d[c.name] = c
		}
	}
	return d
}

// Predeclared returns the dialect's predeclared names other than the
// socket module: the exception classes, catch, isinstance, Python-style
// print/str/repr, help, sys (with argv) and time. A host adds the socket
// module beside them.
func Predeclared(argv []string) starlark.StringDict {
	d := Classes()
	d["catch"] = Catch
	d["isinstance"] = IsInstance
	d["print"] = Print
	d["str"] = Str
	d["repr"] = Repr
	d["help"] = Help
	d["sys"] = NewSys(argv)
	d["time"] = Time
	return d
}

// NewSys returns the sys module: sys.argv as Python has it, and
// sys.exit(code), which raises SystemExit.
func NewSys(argv []string) *starlarkstruct.Module {
	list := make([]starlark.Value, len(argv))
	for i, a := range argv {
		list[i] = starlark.String(a)
	}
	return &starlarkstruct.Module{Name: "sys", Members: starlark.StringDict{
		"argv": starlark.NewList(list),
		"exit": Builtin(&Signature{Name: "sys.exit", Style: CArgs, Params: []string{"status?"}}, sysExit),
	}}
}

func sysExit(_ *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	if args[0] == nil {
		return nil, NewException(SystemExit)
	}
	return nil, NewException(SystemExit, args[0])
}

// Time is the time module's part that socket scripts use.
var Time = &starlarkstruct.Module{Name: "time", Members: starlark.StringDict{
	"sleep":     Builtin(&Signature{Name: "time.sleep", Style: COne}, timeSleep),
	"time":      Builtin(&Signature{Name: "time.time", Style: CNone}, timeTime),
	"monotonic": Builtin(&Signature{Name: "time.monotonic", Style: CNone}, timeMonotonic),
}}

var processStart = time.Now()

func timeTime(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return starlark.Float(float64(time.Now().UnixNano()) / 1e9), nil
}

func timeMonotonic(*starlark.Thread, []starlark.Value) (starlark.Value, error) {
	return starlark.Float(time.Since(processStart).Seconds()), nil
}

// timeSleep sleeps as time.sleep does, but returns early with the
// cancellation error when the thread's context is done.
func timeSleep(thread *starlark.Thread, args []starlark.Value) (starlark.Value, error) {
	var secs float64
	switch v := args[0].(type) {
	case starlark.Int:
		secs = float64(v.Float())
	case starlark.Float:
		secs = float64(v)
	default:
		return nil, Errorf(TypeError, "'%s' object cannot be interpreted as an integer", PyTypeName(v))
	}
	switch {
	case math.IsNaN(secs):
		return nil, Errorf(ValueError, "Invalid value NaN (not a number)")
	case secs < 0:
		return nil, Errorf(ValueError, "sleep length must be non-negative")
	case secs > float64(math.MaxInt64/int64(time.Second)):
		return nil, Errorf(OverflowError, "timestamp too large to convert to C _PyTime_t")
	}
	timer := time.NewTimer(time.Duration(secs * float64(time.Second)))
	defer timer.Stop()
	var done <-chan struct{}
	ctx := ThreadContext(thread)
	if ctx != nil {
		done = ctx.Done()
	}
	select {
	case <-timer.C:
		return starlark.None, nil
	case <-done:
		return nil, &Cancelled{Op: "sleep", Cause: context.Cause(ctx)}
	}
}

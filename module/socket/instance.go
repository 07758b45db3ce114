package socket

import (
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
	"github.com/starsock/starsock/conv"
)

// Options configure an Instance of the module, the host's controls over
// what its scripts may do with sockets.
type Options struct {
	// DefaultTimeout is the default timeout new sockets get until a script
	// calls setdefaulttimeout. Zero means None (block), as in CPython; use
	// NonBlocking for a default of 0.
	DefaultTimeout time.Duration

	// Policy, if set, is asked before every operation that names an
	// address (bind, connect, connect_ex, sendto, sendmsg,
	// create_connection, create_server, and accept for the peer's
	// address). Returning an error denies it: the script sees
	// PermissionError (errno 13).
	Policy func(Request) error

	// AllowFDs lets scripts adopt descriptors they did not create:
	// fromfd, socket(fileno=), socket.close(fd), socket.dup(fd). Off, a
	// script cannot reach the host's own descriptors (nor pass them on in
	// SCM_RIGHTS messages: sendmsg passes only descriptors the script
	// opened or received).
	AllowFDs bool

	// AllowRaw lets scripts create SOCK_RAW and AF_PACKET sockets.
	AllowRaw bool

	// AllowSetHostname lets scripts call sethostname, which renames the
	// machine (or the UTS namespace the process runs in). Even then the
	// Policy, if set, is asked first with Op "sethostname".
	AllowSetHostname bool

	// MaxSockets caps the sockets open at once; 0 means no cap. Past it,
	// socket creation raises OSError errno 24.
	MaxSockets int
}

// NonBlocking as Options.DefaultTimeout makes new sockets non-blocking.
const NonBlocking time.Duration = -1

// Request is what a Policy is asked about.
type Request struct {
	Op      string         // "bind", "connect", "connect_ex", "sendto", "sendmsg", "accept", ...
	Family  int            // AF_INET, AF_INET6, AF_UNIX, ...
	Address *conv.Sockaddr // resolved, read-only; String() gives "127.0.0.1:80", a path, "@abstract"; nil for "sethostname"
	Name    string         // "sethostname": the new host name (Family is AF_UNSPEC)
}

// Instance is one configured copy of the socket module: its default
// timeout, policy and limits, and the sockets it opened.
type Instance struct {
	opts           Options
	defaultTimeout atomic.Int64 // nanoseconds, conv.NoTimeout for None
	module         *moduleValue
	class          *socketClass

	mu sync.Mutex
	// sockets holds the open sockets by descriptor number: a number has
	// more than one only when a script adopts a number a socket of its
	// own already has (socket(fileno=s.fileno())), which CPython allows.
	sockets  map[int][]*Socket
	nSockets int
	closed   bool // Close has run: no socket may be opened any more

	// received holds descriptors that arrived in SCM_RIGHTS messages and
	// that the script has neither closed nor adopted (msg_fds.go).
	received map[int]struct{}
}

// New returns a module instance configured by opts.
func New(opts Options) *Instance {
	in := &Instance{opts: opts, sockets: make(map[int][]*Socket)}
	switch {
	case opts.DefaultTimeout == 0:
		in.defaultTimeout.Store(int64(conv.NoTimeout))
	case opts.DefaultTimeout == NonBlocking:
		in.defaultTimeout.Store(0)
	default:
		in.defaultTimeout.Store(int64(opts.DefaultTimeout))
	}
	in.class = &socketClass{inst: in}
	in.module = &moduleValue{&starlarkstruct.Module{Name: "socket", Members: in.members()}}
	return in
}

// Permissive is the configuration of the bundled interpreter and of
// Module: every operation allowed, as in CPython.
var Permissive = Options{AllowFDs: true, AllowRaw: true, AllowSetHostname: true}

// Module is the socket module of a permissive Instance, for hosts that
// want it in one line: starlark.StringDict{"socket": socket.Module}.
var Module starlark.Value = New(Permissive).Module()

// Module returns the instance's module value, to predeclare as "socket".
func (in *Instance) Module() starlark.Value { return in.module }

// moduleValue is the module as a script sees it: a missing name is
// Python's AttributeError, not Starlark's "no .x field or method".
type moduleValue struct{ *starlarkstruct.Module }

func (m *moduleValue) Attr(name string) (starlark.Value, error) {
	if v, err := m.Module.Attr(name); v != nil || err != nil {
		return v, err
	}
	return nil, builtins.Errorf(builtins.AttributeError, "module '%s' has no attribute '%s'", m.Name, name)
}

// Close closes every socket the instance opened and still has open. It is
// safe to call while scripts run: their blocked calls return EBADF, and
// from then on the instance opens no sockets (creating one raises OSError
// EBADF), so that none outlives the Close.
func (in *Instance) Close() error {
	in.mu.Lock()
	in.closed = true
	open := make([]*Socket, 0, in.nSockets)
	for _, same := range in.sockets {
		open = append(open, same...)
	}
	in.mu.Unlock()
	for _, s := range open {
		s.Close()
	}
	in.closeReceived()
	return nil
}

// OpenSockets returns how many sockets of the instance are open.
func (in *Instance) OpenSockets() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.nSockets
}

func (in *Instance) track(s *Socket) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.roomLocked(1); err != nil {
		return err
	}
	fd := s.Fileno()
	in.sockets[fd] = append(in.sockets[fd], s)
	in.nSockets++
	return nil
}

// untrack forgets s, which had descriptor fd.
func (in *Instance) untrack(s *Socket, fd int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	same := in.sockets[fd]
	for i, t := range same {
		if t == s {
			same = append(same[:i], same[i+1:]...)
			in.nSockets--
			break
		}
	}
	if len(same) == 0 {
		delete(in.sockets, fd)
	} else {
		in.sockets[fd] = same
	}
}

// socketsWithFD returns the open sockets whose descriptor is fd.
func (in *Instance) socketsWithFD(fd int) []*Socket {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.sockets[fd])
}

// closeDescriptor closes descriptor number fd. Any open socket that still
// has the number (socket.close(s.fileno()), or a socket made with
// socket(fileno=) on it) loses it as in CPython: it fails with EBADF from
// now on, and never closes the number, which may be reused.
func (in *Instance) closeDescriptor(fd int) error {
	// The sockets learn first, so that none closes the number after it
	// is closed here (and perhaps reused).
	for _, s := range in.socketsWithFD(fd) {
		s.closeUnderneath()
	}
	return sysClose(fd)
}

// checkCapacity refuses early, before any descriptor is made, when n more
// sockets would pass the instance's cap.
func (in *Instance) checkCapacity(n int) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.roomLocked(n)
}

// roomLocked is the cap check itself; in.mu is held.
func (in *Instance) roomLocked(n int) error {
	if in.closed {
		// The same error as a call on a socket Close closed, so that a
		// script sees one outcome whether Close came before a call or
		// during it.
		return builtins.NewOSError(syscall.EBADF)
	}
	if in.opts.MaxSockets > 0 && in.nSockets+n > in.opts.MaxSockets {
		return builtins.OSErrorf(syscall.EMFILE, "Too many open sockets: this host allows %d at once", in.opts.MaxSockets)
	}
	return nil
}

// allow asks the host's policy about an operation on an address.
func (in *Instance) allow(op string, sa *conv.Sockaddr) error {
	if in.opts.Policy == nil {
		return nil
	}
	if err := in.opts.Policy(Request{Op: op, Family: sa.Family(), Address: sa}); err != nil {
		preposition := "to"
		if op == "accept" {
			preposition = "from" // the address is the peer's
		}
		return builtins.OSErrorf(syscall.EACCES, "%s %s %s is not allowed: %s", op, preposition, sa.String(), err.Error())
	}
	return nil
}

// allowFDs refuses descriptor adoption unless the host allowed it.
func (in *Instance) allowFDs(op string) error {
	if in.opts.AllowFDs {
		return nil
	}
	return builtins.OSErrorf(syscall.EACCES, "%s: adopting file descriptors is not allowed by the host", op)
}

// fdArg reads a descriptor argument of fromfd, close or dup, once the
// host has allowed scripts to adopt descriptors.
func (in *Instance) fdArg(op string, v starlark.Value) (int, error) {
	if err := in.allowFDs(op); err != nil {
		return 0, err
	}
	fd, err := conv.Int(v, conv.CLong)
	return int(fd), err
}

// dupCloexec duplicates fd as CPython's os.dup does: the copy is not
// inherited by child processes.
func dupCloexec(fd int) (int, error) {
	return unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
}

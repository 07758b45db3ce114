package socket

import (
	"sort"
	"sync/atomic"

	"go.starlark.net/starlark"
)

// A script that calls s.recv(1) in a loop looks the method up every time.
// Binding a fresh *starlark.Builtin per lookup was an allocation per call,
// a third of the cost of s.fileno(); a socket instead binds each method
// the first time it is asked for and hands out that same value after.
// Like Python's bound methods the values compare equal (here they are the
// same value), and a socket never used from a script pays nothing.

// methodBySlot numbers the methods, so that a socket's bound methods sit
// in a slice rather than a map.
var methodBySlot = func() []*starlark.Builtin {
	names := make([]string, 0, len(methods))
	for name := range methods {
		names = append(names, name)
	}
	sort.Strings(names)
	bySlot := make([]*starlark.Builtin, len(names))
	for i, name := range names {
		bySlot[i] = methods[name]
	}
	return bySlot
}()

// slotTable finds a method's slot from its name. It is an open-addressed
// table on a hash of a few bytes of the name: a lookup reads three bytes
// and compares one string, where the map's lookup hashes the whole name,
// which was a fifth of the cost of s.fileno().
var slotTable = func() (t [128]struct {
	name string
	slot int
}) {
	if 2*len(methodBySlot) > len(t) {
		panic("socket: slotTable too small for the methods")
	}
	for slot, m := range methodBySlot {
		i := nameHash(m.Name())
		for t[i%uint(len(t))].name != "" {
			i++
		}
		t[i%uint(len(t))].name = m.Name()
		t[i%uint(len(t))].slot = slot
	}
	return t
}()

func nameHash(name string) uint {
	n := uint(len(name))
	if n == 0 {
		return 0
	}
	return n*131 + uint(name[0])*31 + uint(name[n-1])*7 + uint(name[n/2])
}

// methodSlot returns the slot of the method called name.
func methodSlot(name string) (int, bool) {
	for i := nameHash(name); ; i++ {
		e := &slotTable[i%uint(len(slotTable))]
		if e.name == name {
			return e.slot, true
		}
		if e.name == "" {
			return 0, false
		}
	}
}

// boundMethods holds a socket's bound methods by slot, nil until bound.
type boundMethods []atomic.Pointer[starlark.Builtin]

// method returns the socket's method by name, bound to it, or nil if the
// socket has no such method.
func (s *Socket) method(name string) *starlark.Builtin {
	slot, ok := methodSlot(name)
	if !ok {
		return nil
	}
	table := s.bound.Load()
	if table == nil {
		fresh := make(boundMethods, len(methodBySlot))
		if !s.bound.CompareAndSwap(nil, &fresh) {
			table = s.bound.Load()
		} else {
			table = &fresh
		}
	}
	if m := (*table)[slot].Load(); m != nil {
		return m
	}
	// Two threads binding at once each store an equivalent value; the
	// first to load it keeps using whichever won.
	m := methodBySlot[slot].BindReceiver(s)
	(*table)[slot].Store(m)
	return m
}

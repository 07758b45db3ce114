package conv

import (
	"encoding/binary"
	"math"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/starsock/starsock/builtins"
)

// ControlMessage is one item of ancillary data, Python's
// (cmsg_level, cmsg_type, cmsg_data).
type ControlMessage struct {
	Level, Type int32
	Data        []byte
}

// socklenLimit is CPython's SOCKLEN_T_LIMIT on Linux (INT_MAX): the
// largest control buffer, and control message, it will describe.
const socklenLimit = math.MaxInt32

// cmsgHeaderLen is CMSG_LEN(0): where a message's data starts.
var cmsgHeaderLen = unix.CmsgLen(0)

// CmsgLen is CMSG_LEN(length), false where CPython's get_CMSG_LEN refuses
// the length (negative, or too long for a socklen_t).
func CmsgLen(length int64) (int64, bool) {
	if length < 0 || length > int64(socklenLimit-cmsgHeaderLen) {
		return 0, false
	}
	return int64(unix.CmsgLen(int(length))), true
}

// CmsgSpace is CMSG_SPACE(length), false where CPython's get_CMSG_SPACE
// refuses it: it keeps room for the padding before and after the data.
func CmsgSpace(length int64) (int64, bool) {
	if length < 0 || length > int64(socklenLimit-unix.CmsgSpace(1)) {
		return 0, false
	}
	return int64(unix.CmsgSpace(int(length))), true
}

// header returns the cmsghdr at off in buf; the caller has checked that
// it fits. Control buffers come from make, so headers at CMSG_ALIGN'ed
// offsets are aligned.
func header(buf []byte, off int) *unix.Cmsghdr {
	return (*unix.Cmsghdr)(unsafe.Pointer(&buf[off]))
}

// BuildControl lays out msgs for sendmsg(2), each in CMSG_SPACE of its
// data, raising what CPython's sendmsg raises for sizes no socklen_t
// can hold.
func BuildControl(msgs []ControlMessage) ([]byte, error) {
	total := int64(0)
	for _, m := range msgs {
		space, ok := CmsgSpace(int64(len(m.Data)))
		if !ok {
			return nil, builtins.Errorf(builtins.OSError, "ancillary data item too large")
		}
		total += space
		if total > socklenLimit {
			return nil, builtins.Errorf(builtins.OSError, "too much ancillary data")
		}
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	buf := make([]byte, total)
	off := 0
	for _, m := range msgs {
		h := header(buf, off)
		h.Level, h.Type = m.Level, m.Type
		h.SetLen(unix.CmsgLen(len(m.Data)))
		copy(buf[off+cmsgHeaderLen:], m.Data)
		off += unix.CmsgSpace(len(m.Data))
	}
	return buf, nil
}

// ParseControl reads the control messages recvmsg(2) left in buf (cut to
// the msg_controllen it returned) as CPython does with glibc's
// CMSG_FIRSTHDR/CMSG_NXTHDR: a header that does not fit ends the list; a
// message whose data runs past the buffer is cut to what is there and
// ends the list (CPython also warns then, which Linux never gives it
// cause to: the kernel shortens cmsg_len when it truncates). The data is
// copied, so buf may be reused.
func ParseControl(buf []byte) []ControlMessage {
	var msgs []ControlMessage
	off := 0
	for off+unix.SizeofCmsghdr <= len(buf) {
		h := header(buf, off)
		cmsgLen := uint64(h.Len) // uint32 on 32-bit systems
		if cmsgLen < uint64(cmsgHeaderLen) {
			break // malformed: shorter than its own header
		}
		dataLen := cmsgLen - uint64(cmsgHeaderLen)
		data := buf[off+cmsgHeaderLen:]
		truncated := uint64(len(data)) < dataLen
		if !truncated {
			data = data[:dataLen]
		}
		msgs = append(msgs, ControlMessage{Level: h.Level, Type: h.Type, Data: append([]byte(nil), data...)})
		if truncated {
			break
		}
		// CMSG_NXTHDR: the next header must fit after this message's
		// padded length.
		off += unix.CmsgSpace(int(dataLen))
	}
	return msgs
}

// FDs decodes SCM_RIGHTS data: C ints, a trailing partial one ignored,
// as the kernel and socket.recv_fds ignore it.
func FDs(data []byte) []int {
	fds := make([]int, len(data)/4)
	for i := range fds {
		fds[i] = int(int32(binary.NativeEndian.Uint32(data[4*i:])))
	}
	return fds
}

// FDData encodes descriptors as SCM_RIGHTS data, array.array("i", fds).
func FDData(fds []int32) []byte {
	data := make([]byte, 4*len(fds))
	for i, fd := range fds {
		binary.NativeEndian.PutUint32(data[4*i:], uint32(fd))
	}
	return data
}

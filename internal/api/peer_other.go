//go:build !linux

package api

import "net"

// peerUID is not known outside Linux: every socket client is "unix".
func peerUID(net.Conn) (int, bool) { return 0, false }

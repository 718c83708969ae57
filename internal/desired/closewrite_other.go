//go:build !linux

package desired

import "errors"

// closeWatcher reports writers closing files; only Linux (inotify) says so,
// elsewhere the Store's stability rules (settle.go) stand alone.
type closeWatcher struct{ events chan writeEvent }

func newCloseWatcher() (*closeWatcher, error) { return nil, errors.ErrUnsupported }

func (c *closeWatcher) add(string) error { return errors.ErrUnsupported }
func (c *closeWatcher) remove()          {}
func (c *closeWatcher) close()           {}

package audit

import (
	"os"
	"os/user"
	"strconv"
)

// CLIUser is who runs this process, as the trail names a CLI user: the
// user name, or the uid when it has none (a container's uid without a
// passwd entry). The uid is for Event.UID.
func CLIUser() (name string, uid int) {
	uid = os.Getuid()
	name = strconv.Itoa(uid)
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return name, uid
}

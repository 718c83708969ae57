package apply

import (
	"os"

	"golang.org/x/sys/unix"
)

// sameMount reports whether a and b are on one mount. A file bind-mounted
// from the same filesystem has the same device as its directory, so the
// mount id is compared where the kernel reports it (Linux 5.8+), the
// device otherwise.
func sameMount(a, b string) (bool, error) {
	var sa, sb unix.Statx_t
	const mask = unix.STATX_MNT_ID | unix.STATX_BASIC_STATS
	if err := unix.Statx(unix.AT_FDCWD, a, 0, mask, &sa); err != nil {
		return false, &os.PathError{Op: "stat", Path: a, Err: err}
	}
	if err := unix.Statx(unix.AT_FDCWD, b, 0, mask, &sb); err != nil {
		return false, &os.PathError{Op: "stat", Path: b, Err: err}
	}
	if sa.Mask&sb.Mask&unix.STATX_MNT_ID != 0 {
		return sa.Mnt_id == sb.Mnt_id, nil
	}
	return sa.Dev_major == sb.Dev_major && sa.Dev_minor == sb.Dev_minor, nil
}

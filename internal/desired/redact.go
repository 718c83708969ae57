package desired

import (
	"github.com/dnssync/dnssync/internal/textcap"
)

// Problem messages travel far: the log, `dnssync validate`, metrics labels'
// neighbours, /readyz with a token, the API's 503 bodies. Whatever a file
// says may be a secret: a hard link to a key file is a regular file in
// records.d and is read like any other (open.go), and a token may be pasted
// into the wrong place. So a message quotes nothing of a file that is not
// shaped like a records file (a mapping whose one key is "records", a list
// of mappings with only record keys; parse.go), and of one that is, only a
// short, escaped excerpt of one token where it sits: a name, type, value or
// ttl, or an unknown key inside a record.

// excerptLen is how many bytes of a token a message may quote. The cap is
// not what keeps a secret out of messages: no excerpt long enough to help a
// person is too short to carry part of a key, so the defence is the rule
// above, that nothing of a file not shaped like a records file is quoted.
// Within a records file the cap bounds what a mistake can print and the
// length of every message. 24 bytes, with the line number beside them, are
// enough to recognise the token (an IPv4 address whole, the first labels of
// a name; an MX, SRV or CAA problem also quotes the failing field by
// itself), and leave 120 of the 256 bits of a base64 HMAC-SHA256 key (44
// characters, what tsig-keygen writes) unprinted should one be pasted in.
const excerptLen = 24

// excerpt quotes s for a message, cut to excerptLen bytes (on a rune
// boundary) with an ellipsis after the closing quote when cut.
func excerpt(s string) string { return textcap.Quote(s, excerptLen) }

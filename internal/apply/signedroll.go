package apply

// Roller is a backend that signs zones with keys it keeps (the zonefile
// backend, state_dir/keys): a scheduled pass rolls them
// (reconcile/roll.go), saving each step's key times in the key store and
// writing the zone again with only its serial changed (ApplyAbove with an
// empty plan), which signs it with the keys as the step left them.
type Roller interface {
	Resigner
	// SigningOf returns how zone is signed, nil when it is not.
	SigningOf(zone string) *Signing
}

var _ Roller = (*ZoneFile)(nil)

// SigningOf returns how zone is signed, nil when it is not.
func (b *ZoneFile) SigningOf(zone string) *Signing { return b.signing(zone) }

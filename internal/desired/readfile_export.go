package desired

// ReadRecordFile reads the record file path in the records dir dir under
// the loader's own rules (open.go): only a regular file, opened without
// blocking, at most maxFileSize bytes, and through a symlink only when
// every link resolves inside dir. A path that is not there is an error
// for which errors.Is(err, fs.ErrNotExist) holds. Any other error says
// what is wrong with the path and never quotes its content or a link's
// target. The registry reads the API's files with it, so that what the
// API edits is what the loader reads, and a FIFO or a huge file in
// records.d can hang or bloat neither.
func ReadRecordFile(dir, path string) ([]byte, error) {
	data, _, err := readRecord(dir, path)
	if err != nil {
		return nil, err
	}
	return data, nil
}

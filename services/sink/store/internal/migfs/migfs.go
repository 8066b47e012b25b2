// Package migfs reads the numbered SQL migrations a store embeds.
package migfs

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// ErrBadMigration: a migration file is misnamed or numbered out of sequence.
var ErrBadMigration = errors.New("migfs: bad migration file")

// Migration is one schema step.
type Migration struct {
	// Version numbers migrations 1, 2, 3, ... without gaps.
	Version int
	Name    string
	SQL     string
}

// Load reads every "NNNN_name.sql" file in dir of fsys, ordered by version. It returns
// ErrBadMigration for another file name or a gap in the numbering.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migfs: reading %s: %w", dir, err)
	}
	var ms []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") || !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("%w: %s (want NNNN_name.sql)", ErrBadMigration, e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migfs: reading %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("%w: version %d where %d was expected", ErrBadMigration, m.Version, i+1)
		}
	}
	return ms, nil
}

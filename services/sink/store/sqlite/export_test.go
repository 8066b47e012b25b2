package sqlite

// SetRecentKeysMax sets how many keys story_keys_recent takes before they are merged
// into story_keys, so that a test reaches a merge with a few hundred articles.
func (s *Store) SetRecentKeysMax(n int64) { s.recentMax = n }

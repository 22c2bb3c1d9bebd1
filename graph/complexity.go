package graph

// Complexity accounts for fan-out: a connection or list costs its page size
// times what each item costs, so followers-of-followers explosions exceed
// QUERY_MAX_COMPLEXITY while the demo queries stay well under it.

func pageCost(child int, first *int) int {
	n := defaultPageSize
	if first != nil && *first > 0 {
		n = *first
	}
	return 1 + n*child
}

func complexity() ComplexityRoot {
	var c ComplexityRoot
	conn := func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.User.Followers, c.User.Following, c.User.Posts, c.User.LikedPosts = conn, conn, conn, conn
	c.Post.LikedBy, c.Post.Comments, c.Tag.Posts, c.Query.Feed = conn, conn, conn, conn
	c.Query.SearchUsers = func(child int, _ string, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.RecommendedUsers = func(child int, first *int) int { return pageCost(child, first) }
	c.Post.Tags = func(child int) int { return 1 + maxTags*child }
	return c
}

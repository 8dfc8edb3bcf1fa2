package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/verdict"
)

// missingAt lists the leader's messages the member does not serve at their
// offsets, as case t counts them: both reads pass through its read plant.
func missingAt(t *T, mr readback.Member) []string {
	var out []string
	for _, q := range slices.Sorted(maps.Keys(mr.Theirs)) {
		at := map[int64]string{}
		for _, msg := range t.plants.read(mr.Member.Addr, mr.Mine[q]) {
			at[msg.QueueOffset] = msg.Keys()
		}
		for _, msg := range t.plants.read(mr.Leader.Addr, mr.Theirs[q]) {
			if at[msg.QueueOffset] != msg.Keys() {
				out = append(out, fmt.Sprintf("%s@%d/%d", msg.Keys(), q, msg.QueueOffset))
			}
		}
	}
	return out
}

// readMembers reads topic from every follower of every shard, once each
// covers its leader's offsets, and from the leader: what a follower holds
// must be what was committed (the class of apache/rocketmq#6509,
// acknowledged messages truncated after an election).
func readMembers(ctx context.Context, t *T, topic string, queues int, reads map[string]*readback.Shard) []readback.Member {
	var out []readback.Member
	shards := awaitShards(ctx, t)
	if err := awaitSlaveTopics(ctx, t, shards, topic); err != nil {
		t.Erroredf("not judged: before reading the followers: %v", err)
	}
	for _, s := range shards {
		leaderRead, ok := reads[s.Name]
		if !ok {
			continue
		}
		want := map[int]int64{}
		for q, qr := range leaderRead.Queues {
			want[q] = qr.Max - 1
		}
		for _, m := range s.Slaves() {
			out = append(out, readback.ReadMember(ctx, adminOf(t), s, m, topic, queues, want))
		}
	}
	return out
}

// judgeMembers fails clause c for every follower that does not serve its
// leader's messages at their offsets.
func judgeMembers(t *T, c verdict.Clause, reads []readback.Member) {
	if len(reads) == 0 {
		t.Errorf(c, "no follower was read back: every member's content is part of the promise")
	}
	for _, mr := range reads {
		missing := missingAt(t, mr)
		switch {
		case mr.Err != nil:
			t.Errorf(c, "read follower %s of %s: %v", mr.Member.Pod, mr.Shard, mr.Err)
		case len(missing) > 0:
			t.Errorf(c, "follower %s of %s does not serve %d of its leader %s's messages at their offsets (after waiting %s): %s",
				mr.Member.Pod, mr.Shard, len(missing), mr.Leader.Pod, mr.Waited.Round(time.Millisecond), strings.Join(missing[:min(5, len(missing))], ", "))
		default:
			t.Logf("follower %s of %s serves every message of its leader %s at the same offsets", mr.Member.Pod, mr.Shard, mr.Leader.Pod)
		}
	}
}

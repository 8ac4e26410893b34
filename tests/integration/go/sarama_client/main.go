// sarama_client: a small command-line client built on Shopify/sarama 1.22.1
// (Debian's golang-github-shopify-sarama-dev), driven by
// tests/integration/test_sarama.py against a real sluiced.
//
// Built in GOPATH mode (GO111MODULE=off, GOPATH=/usr/share/gocode): it
// imports only what Debian ships there.
//
// Every subcommand logs to stderr (sarama's own logger too, with -v) and
// prints JSON on stdout; exit code 0 on success, 1 on a failure, 2 on bad
// usage. Kafka errors are reported as {"err": text, "code": Kafka error code}
// (code -1 when the error is not a Kafka error code).
//
//	produce       -brokers B -topic T -count N [-acks all|1] [-compression none|gzip|snappy|lz4|zstd]
//	              [-batch N] [-keys N] [-value-size N] [-random] [-tag S] [-base-ms MS]
//	              [-max-message-bytes N] [-partition P]
//	    A SyncProducer sends COUNT messages with SendMessages in batches of
//	    BATCH; message i has key "key-(i mod KEYS)", value "TAG-value-i " padded
//	    with text (or random bytes with -random) to VALUE-SIZE bytes, header
//	    i=<i> and timestamp BASE-MS+i. Keys are partitioned by sarama's hash
//	    partitioner, or all go to -partition P (manual partitioner) when
//	    given. Prints {"base_ms", "sent": [{i, key, partition, offset}],
//	    "failed": [{i, err, code}]}. Failed sends are reported, not fatal.
//
//	consume       -brokers B -topic T -partition P -offset O -count N [-timeout S] [-fetch-bytes N]
//	    sarama's partition Consumer (no group) reads COUNT messages from
//	    offset O (-1 newest, -2 oldest). -fetch-bytes sets both
//	    Consumer.Fetch.Default and .Max (the partition_max_bytes of each
//	    Fetch). Prints {"messages": [...], "errors": [...], "high_watermark"}.
//
//	consume-group -brokers B -group G -topic T -name NAME [-mark-first N] [-session-ms MS]
//	    One sarama.ConsumerGroup member (range strategy). Prints one JSON
//	    object per line: {"event":"setup", member, generation, claims},
//	    {"event":"msg", partition, offset, key, value, marked},
//	    {"event":"cleanup", generation}, {"event":"error", err, code},
//	    {"event":"closed"}. Marks (commits) every message it gets, or with
//	    -mark-first N only the first N it gets from each partition. Exits
//	    cleanly (last commit, LeaveGroup) when stdin says "stop" or closes.
//
//	admin -brokers B OP [ARGS...]   (sarama.ClusterAdmin)
//	    create TOPIC PARTITIONS [k=v ...] | create-validate TOPIC PARTITIONS
//	    list | describe TOPIC... | create-partitions TOPIC COUNT | delete TOPIC
//	    delete-records TOPIC PARTITION OFFSET
//	    describe-config topic|broker|<type id> NAME | alter-config TOPIC [-validate] k=v ...
//	    list-groups | describe-groups GROUP... | group-offsets GROUP TOPIC PARTITIONS
//	    cluster
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

var stdoutLock sync.Mutex

func emit(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		log.Fatalf("json: %v", err)
	}
	stdoutLock.Lock()
	defer stdoutLock.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

func usage(msg string) {
	fmt.Fprintln(os.Stderr, "usage error:", msg)
	os.Exit(2)
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// errCode maps an error to its Kafka error code, or -1.
func errCode(err error) int {
	switch e := err.(type) {
	case nil:
		return 0
	case sarama.KError:
		return int(e)
	case *sarama.TopicError:
		return int(e.Err)
	case *sarama.TopicPartitionError:
		return int(e.Err)
	case *sarama.ConsumerError:
		return errCode(e.Err)
	}
	return -1
}

func errJSON(err error) map[string]interface{} {
	return map[string]interface{}{"err": err.Error(), "code": errCode(err)}
}

func baseConfig(verbose bool) *sarama.Config {
	if verbose {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.Lmicroseconds)
	}
	c := sarama.NewConfig()
	c.Version = sarama.V2_1_0_0 // the newest version zstd needs; sarama 1.22.1 knows up to 2.2.0
	c.ClientID = "sluice-sarama-it"
	c.Net.DialTimeout = 3 * time.Second
	c.Net.ReadTimeout = 15 * time.Second
	c.Net.WriteTimeout = 10 * time.Second
	c.Metadata.Retry.Max = 5
	c.Metadata.Retry.Backoff = 200 * time.Millisecond
	c.Admin.Timeout = 10 * time.Second
	return c
}

func commonFlags(fs *flag.FlagSet) (*string, *bool) {
	brokers := fs.String("brokers", "", "bootstrap host:port")
	verbose := fs.Bool("v", false, "sarama debug log on stderr")
	return brokers, verbose
}

func parse(fs *flag.FlagSet, args []string) {
	if err := fs.Parse(args); err != nil {
		usage(err.Error())
	}
}

// ---------------------------------------------------------------------------
// produce

var codecs = map[string]sarama.CompressionCodec{
	"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP,
	"snappy": sarama.CompressionSnappy, "lz4": sarama.CompressionLZ4,
	"zstd": sarama.CompressionZSTD,
}

type sentJSON struct {
	I         int    `json:"i"`
	Key       string `json:"key"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

type failedJSON struct {
	I    int    `json:"i"`
	Err  string `json:"err"`
	Code int    `json:"code"`
}

func messageValue(tag string, i, size int, random bool) []byte {
	head := fmt.Sprintf("%s-value-%d ", tag, i)
	if random {
		b := make([]byte, size)
		if _, err := rand.Read(b); err != nil {
			fail("rand: %v", err)
		}
		copy(b, head)
		return b
	}
	var sb strings.Builder
	sb.WriteString(head)
	for sb.Len() < size {
		sb.WriteString("sarama ")
	}
	return []byte(sb.String()[:max(size, len(head))])
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func cmdProduce(args []string) {
	fs := flag.NewFlagSet("produce", flag.ExitOnError)
	brokers, verbose := commonFlags(fs)
	topic := fs.String("topic", "", "topic")
	count := fs.Int("count", 10, "messages")
	acks := fs.String("acks", "all", "all|1")
	compression := fs.String("compression", "none", "none|gzip|snappy|lz4|zstd")
	batch := fs.Int("batch", 10, "messages per SendMessages call")
	keys := fs.Int("keys", 7, "distinct keys")
	valueSize := fs.Int("value-size", 100, "value length in bytes")
	random := fs.Bool("random", false, "random (incompressible) values")
	tag := fs.String("tag", "m", "value prefix")
	baseMs := fs.Int64("base-ms", 0, "timestamp of message 0 in ms (default: now - 1h)")
	maxMessageBytes := fs.Int("max-message-bytes", 1000000, "sarama Producer.MaxMessageBytes")
	partition := fs.Int("partition", -1, "send everything to this partition (manual partitioner)")
	parse(fs, args)
	if *brokers == "" || *topic == "" || *count <= 0 || *batch <= 0 || *keys <= 0 {
		usage("produce needs -brokers, -topic, positive -count, -batch, -keys")
	}
	codec, ok := codecs[*compression]
	if !ok {
		usage("unknown compression " + *compression)
	}

	c := baseConfig(*verbose)
	switch *acks {
	case "all", "-1":
		c.Producer.RequiredAcks = sarama.WaitForAll
	case "1":
		c.Producer.RequiredAcks = sarama.WaitForLocal
	default:
		usage("acks must be all or 1")
	}
	c.Producer.Compression = codec
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Producer.Retry.Max = 3
	c.Producer.Retry.Backoff = 100 * time.Millisecond
	c.Producer.Timeout = 10 * time.Second
	c.Producer.MaxMessageBytes = *maxMessageBytes
	if *partition >= 0 {
		c.Producer.Partitioner = sarama.NewManualPartitioner
	} else {
		c.Producer.Partitioner = sarama.NewHashPartitioner
	}

	p, err := sarama.NewSyncProducer([]string{*brokers}, c)
	if err != nil {
		fail("NewSyncProducer: %v", err)
	}
	base := *baseMs
	if base == 0 {
		base = time.Now().Add(-time.Hour).UnixNano() / int64(time.Millisecond)
	}

	sent := []sentJSON{}
	failed := []failedJSON{}
	for start := 0; start < *count; start += *batch {
		var msgs []*sarama.ProducerMessage
		for i := start; i < *count && i < start+*batch; i++ {
			m := &sarama.ProducerMessage{
				Topic:     *topic,
				Key:       sarama.StringEncoder(fmt.Sprintf("key-%d", i%*keys)),
				Value:     sarama.ByteEncoder(messageValue(*tag, i, *valueSize, *random)),
				Headers:   []sarama.RecordHeader{{Key: []byte("i"), Value: []byte(strconv.Itoa(i))}},
				Timestamp: time.Unix(0, (base+int64(i))*int64(time.Millisecond)),
				Metadata:  i,
			}
			if *partition >= 0 {
				m.Partition = int32(*partition)
			}
			msgs = append(msgs, m)
		}
		bad := map[int]bool{}
		if err := p.SendMessages(msgs); err != nil {
			perrs, ok := err.(sarama.ProducerErrors)
			if !ok {
				fail("SendMessages: %v", err)
			}
			for _, pe := range perrs {
				i := pe.Msg.Metadata.(int)
				bad[i] = true
				failed = append(failed, failedJSON{I: i, Err: pe.Err.Error(), Code: errCode(pe.Err)})
			}
		}
		for _, m := range msgs {
			i := m.Metadata.(int)
			if !bad[i] {
				sent = append(sent, sentJSON{I: i, Key: fmt.Sprintf("key-%d", i%*keys),
					Partition: m.Partition, Offset: m.Offset})
			}
		}
	}
	if err := p.Close(); err != nil {
		fail("SyncProducer.Close: %v", err)
	}
	sort.Slice(failed, func(a, b int) bool { return failed[a].I < failed[b].I })
	emit(map[string]interface{}{"base_ms": base, "sent": sent, "failed": failed})
}

// ---------------------------------------------------------------------------
// consume (partition consumer, no group)

type msgJSON struct {
	Event     string            `json:"event,omitempty"`
	Partition int32             `json:"partition"`
	Offset    int64             `json:"offset"`
	Key       string            `json:"key"`
	Value     string            `json:"value"` // as text: not byte-exact for binary values
	ValueLen  int               `json:"value_len"`
	Headers   map[string]string `json:"headers,omitempty"`
	Timestamp int64             `json:"timestamp"`
	Marked    *bool             `json:"marked,omitempty"`
}

func toJSON(m *sarama.ConsumerMessage) msgJSON {
	h := map[string]string{}
	for _, rh := range m.Headers {
		h[string(rh.Key)] = string(rh.Value)
	}
	return msgJSON{Partition: m.Partition, Offset: m.Offset, Key: string(m.Key),
		Value: string(m.Value), ValueLen: len(m.Value), Headers: h,
		Timestamp: m.Timestamp.UnixNano() / int64(time.Millisecond)}
}

func cmdConsume(args []string) {
	fs := flag.NewFlagSet("consume", flag.ExitOnError)
	brokers, verbose := commonFlags(fs)
	topic := fs.String("topic", "", "topic")
	partition := fs.Int("partition", 0, "partition")
	offset := fs.Int64("offset", sarama.OffsetOldest, "start offset (-2 oldest, -1 newest)")
	count := fs.Int("count", 1, "messages to read")
	timeout := fs.Duration("timeout", 20*time.Second, "give up after")
	fetchBytes := fs.Int("fetch-bytes", 0, "Consumer.Fetch.Default and .Max (0: sarama's defaults)")
	parse(fs, args)
	if *brokers == "" || *topic == "" {
		usage("consume needs -brokers and -topic")
	}
	c := baseConfig(*verbose)
	if *fetchBytes > 0 {
		c.Consumer.Fetch.Default = int32(*fetchBytes)
		c.Consumer.Fetch.Max = int32(*fetchBytes)
	}
	c.Consumer.Return.Errors = true
	c.Consumer.MaxWaitTime = 100 * time.Millisecond
	consumer, err := sarama.NewConsumer([]string{*brokers}, c)
	if err != nil {
		fail("NewConsumer: %v", err)
	}
	pc, err := consumer.ConsumePartition(*topic, int32(*partition), *offset)
	if err != nil {
		emit(map[string]interface{}{"messages": []msgJSON{}, "errors": []interface{}{errJSON(err)}})
		_ = consumer.Close()
		return
	}
	msgs := []msgJSON{}
	errs := []interface{}{}
	deadline := time.After(*timeout)
loop:
	for len(msgs) < *count {
		select {
		case m := <-pc.Messages():
			msgs = append(msgs, toJSON(m))
		case e := <-pc.Errors():
			errs = append(errs, errJSON(e))
		case <-deadline:
			break loop
		}
	}
	_ = pc.Close()
	_ = consumer.Close()
	emit(map[string]interface{}{"messages": msgs, "errors": errs,
		"high_watermark": pc.HighWaterMarkOffset()})
}

// ---------------------------------------------------------------------------
// consume-group

type member struct {
	markFirst int // < 0: mark everything
	lock      sync.Mutex
	marked    map[int32]int // messages marked so far, per partition
}

func (h *member) shouldMark(partition int32) bool {
	h.lock.Lock()
	defer h.lock.Unlock()
	if h.markFirst >= 0 && h.marked[partition] >= h.markFirst {
		return false
	}
	h.marked[partition]++
	return true
}

func (h *member) Setup(s sarama.ConsumerGroupSession) error {
	claims := map[string][]int32{}
	for t, ps := range s.Claims() {
		claims[t] = append([]int32{}, ps...)
	}
	emit(map[string]interface{}{"event": "setup", "member": s.MemberID(),
		"generation": s.GenerationID(), "claims": claims})
	return nil
}

func (h *member) Cleanup(s sarama.ConsumerGroupSession) error {
	emit(map[string]interface{}{"event": "cleanup", "generation": s.GenerationID()})
	return nil
}

func (h *member) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		marked := h.shouldMark(m.Partition)
		if marked {
			s.MarkMessage(m, "")
		}
		j := toJSON(m)
		j.Event = "msg"
		j.Marked = &marked
		emit(j)
	}
	return nil
}

func cmdConsumeGroup(args []string) {
	fs := flag.NewFlagSet("consume-group", flag.ExitOnError)
	brokers, verbose := commonFlags(fs)
	group := fs.String("group", "", "group id")
	topic := fs.String("topic", "", "topic")
	name := fs.String("name", "member", "client id suffix")
	markFirst := fs.Int("mark-first", -1, "mark only the first N messages of each partition (-1: all)")
	sessionMs := fs.Int("session-ms", 6000, "group session timeout in ms")
	parse(fs, args)
	if *brokers == "" || *group == "" || *topic == "" {
		usage("consume-group needs -brokers, -group, -topic")
	}
	c := baseConfig(*verbose)
	c.ClientID = "sarama-" + *name
	c.Consumer.Return.Errors = true
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Offsets.CommitInterval = 200 * time.Millisecond
	c.Consumer.MaxWaitTime = 100 * time.Millisecond
	c.Consumer.Group.Session.Timeout = time.Duration(*sessionMs) * time.Millisecond
	c.Consumer.Group.Heartbeat.Interval = 300 * time.Millisecond
	c.Consumer.Group.Rebalance.Strategy = sarama.BalanceStrategyRange
	c.Consumer.Group.Rebalance.Timeout = 10 * time.Second
	c.Consumer.Group.Rebalance.Retry.Max = 20
	c.Consumer.Group.Rebalance.Retry.Backoff = 200 * time.Millisecond

	g, err := sarama.NewConsumerGroup([]string{*brokers}, *group, c)
	if err != nil {
		fail("NewConsumerGroup: %v", err)
	}
	go func() {
		for e := range g.Errors() {
			j := errJSON(e)
			j["event"] = "error"
			emit(j)
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "stop" {
				break
			}
		}
		cancel()
	}()

	h := &member{markFirst: *markFirst, marked: map[int32]int{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{*topic}, h); err != nil {
				j := errJSON(err)
				j["event"] = "error"
				j["where"] = "Consume"
				emit(j)
				select {
				case <-ctx.Done():
				case <-time.After(200 * time.Millisecond):
				}
			}
		}
	}()
	<-ctx.Done()
	<-done // the last session has committed its offsets
	if err := g.Close(); err != nil {
		j := errJSON(err)
		j["event"] = "error"
		j["where"] = "Close"
		emit(j)
	}
	emit(map[string]interface{}{"event": "closed"})
}

// ---------------------------------------------------------------------------
// admin

func keyValues(args []string) map[string]*string {
	out := map[string]*string{}
	for _, a := range args {
		kv := strings.SplitN(a, "=", 2)
		if len(kv) != 2 {
			usage("expected k=v, got " + a)
		}
		v := kv[1]
		out[kv[0]] = &v
	}
	return out
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		usage("not a number: " + s)
	}
	return n
}

func configsJSON(entries []sarama.ConfigEntry) map[string]interface{} {
	out := map[string]interface{}{}
	for _, e := range entries {
		out[e.Name] = map[string]interface{}{"value": e.Value, "default": e.Default,
			"read_only": e.ReadOnly, "sensitive": e.Sensitive}
	}
	return out
}

func cmdAdmin(args []string) {
	fs := flag.NewFlagSet("admin", flag.ExitOnError)
	brokers, verbose := commonFlags(fs)
	parse(fs, args)
	rest := fs.Args()
	if *brokers == "" || len(rest) == 0 {
		usage("admin needs -brokers and an operation")
	}
	op, a := rest[0], rest[1:]
	need := func(n int) {
		if len(a) < n {
			usage(fmt.Sprintf("admin %s needs %d arguments", op, n))
		}
	}
	ca, err := sarama.NewClusterAdmin([]string{*brokers}, baseConfig(*verbose))
	if err != nil {
		fail("NewClusterAdmin: %v", err)
	}
	defer ca.Close()
	result := func(err error) {
		if err != nil {
			emit(errJSON(err))
		} else {
			emit(map[string]interface{}{"ok": true})
		}
	}

	switch op {
	case "create", "create-validate":
		need(2)
		d := &sarama.TopicDetail{NumPartitions: int32(atoi(a[1])), ReplicationFactor: 1,
			ConfigEntries: keyValues(a[2:])}
		result(ca.CreateTopic(a[0], d, op == "create-validate"))
	case "list":
		topics, err := ca.ListTopics()
		if err != nil {
			emit(errJSON(err))
			return
		}
		out := map[string]interface{}{}
		for name, d := range topics {
			cfg := map[string]string{}
			for k, v := range d.ConfigEntries {
				if v != nil {
					cfg[k] = *v
				}
			}
			out[name] = map[string]interface{}{"partitions": d.NumPartitions,
				"replication_factor": d.ReplicationFactor, "replicas": d.ReplicaAssignment,
				"configs": cfg}
		}
		emit(map[string]interface{}{"topics": out})
	case "describe":
		need(1)
		md, err := ca.DescribeTopics(a)
		if err != nil {
			emit(errJSON(err))
			return
		}
		var out []interface{}
		for _, t := range md {
			var parts []interface{}
			for _, p := range t.Partitions {
				parts = append(parts, map[string]interface{}{"id": p.ID, "code": int(p.Err),
					"leader": p.Leader, "replicas": p.Replicas, "isr": p.Isr})
			}
			sort.Slice(parts, func(i, j int) bool {
				return parts[i].(map[string]interface{})["id"].(int32) <
					parts[j].(map[string]interface{})["id"].(int32)
			})
			out = append(out, map[string]interface{}{"name": t.Name, "code": int(t.Err),
				"internal": t.IsInternal, "partitions": parts})
		}
		emit(map[string]interface{}{"topics": out})
	case "create-partitions":
		need(2)
		result(ca.CreatePartitions(a[0], int32(atoi(a[1])), nil, false))
	case "delete":
		need(1)
		result(ca.DeleteTopic(a[0]))
	case "delete-records":
		need(3)
		result(ca.DeleteRecords(a[0], map[int32]int64{int32(atoi(a[1])): int64(atoi(a[2]))}))
	case "describe-config":
		need(2)
		// Kafka's ConfigResource types are TOPIC=2 and BROKER=4; sarama 1.22.1's
		// BrokerResource constant is 5, which Kafka does not define, so
		// "broker" sends 4 and a number sends that type id as is.
		var rt sarama.ConfigResourceType
		switch a[0] {
		case "topic":
			rt = sarama.TopicResource
		case "broker":
			rt = sarama.ConfigResourceType(4)
		default:
			rt = sarama.ConfigResourceType(atoi(a[0]))
		}
		entries, err := ca.DescribeConfig(sarama.ConfigResource{Type: rt, Name: a[1]})
		if err != nil {
			emit(errJSON(err))
			return
		}
		emit(map[string]interface{}{"configs": configsJSON(entries)})
	case "alter-config":
		need(1)
		validate := false
		kv := a[1:]
		if len(kv) > 0 && kv[0] == "-validate" {
			validate, kv = true, kv[1:]
		}
		result(ca.AlterConfig(sarama.TopicResource, a[0], keyValues(kv), validate))
	case "list-groups":
		groups, err := ca.ListConsumerGroups()
		if err != nil {
			emit(errJSON(err))
			return
		}
		emit(map[string]interface{}{"groups": groups})
	case "describe-groups":
		need(1)
		ds, err := ca.DescribeConsumerGroups(a)
		if err != nil {
			emit(errJSON(err))
			return
		}
		var out []interface{}
		for _, d := range ds {
			members := map[string]interface{}{}
			for id, m := range d.Members {
				mj := map[string]interface{}{"client_id": m.ClientId, "client_host": m.ClientHost}
				if asg, err := m.GetMemberAssignment(); err != nil {
					mj["assignment_error"] = err.Error()
				} else if asg != nil {
					mj["assignment"] = asg.Topics
				}
				if md, err := m.GetMemberMetadata(); err != nil {
					mj["metadata_error"] = err.Error()
				} else if md != nil {
					mj["subscription"] = md.Topics
				}
				members[id] = mj
			}
			out = append(out, map[string]interface{}{"group": d.GroupId, "code": int(d.Err),
				"state": d.State, "protocol_type": d.ProtocolType, "protocol": d.Protocol,
				"members": members})
		}
		emit(map[string]interface{}{"groups": out})
	case "group-offsets":
		need(3)
		var ps []int32
		for i := 0; i < atoi(a[2]); i++ {
			ps = append(ps, int32(i))
		}
		resp, err := ca.ListConsumerGroupOffsets(a[0], map[string][]int32{a[1]: ps})
		if err != nil {
			emit(errJSON(err))
			return
		}
		offsets := map[string]interface{}{}
		for _, p := range ps {
			b := resp.GetBlock(a[1], p)
			if b == nil {
				offsets[strconv.Itoa(int(p))] = nil
				continue
			}
			offsets[strconv.Itoa(int(p))] = map[string]interface{}{"offset": b.Offset,
				"metadata": b.Metadata, "code": int(b.Err)}
		}
		emit(map[string]interface{}{"offsets": offsets, "code": int(resp.Err)})
	case "cluster":
		bs, controller, err := ca.DescribeCluster()
		if err != nil {
			emit(errJSON(err))
			return
		}
		var out []interface{}
		for _, b := range bs {
			out = append(out, map[string]interface{}{"id": b.ID(), "addr": b.Addr()})
		}
		emit(map[string]interface{}{"brokers": out, "controller": controller})
	default:
		usage("unknown admin operation " + op)
	}
}

func main() {
	log.SetOutput(os.Stderr)
	if len(os.Args) < 2 {
		usage("subcommand: produce | consume | consume-group | admin")
	}
	switch os.Args[1] {
	case "produce":
		cmdProduce(os.Args[2:])
	case "consume":
		cmdConsume(os.Args[2:])
	case "consume-group":
		cmdConsumeGroup(os.Args[2:])
	case "admin":
		cmdAdmin(os.Args[2:])
	default:
		usage("unknown subcommand " + os.Args[1])
	}
}

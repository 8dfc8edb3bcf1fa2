package remoting

import (
	"reflect"
	"testing"
)

func TestQuoteIntegerKeys(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"fastjson broker addrs",
			`{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"}}`,
			`{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"}}`},
		{"negative and multi-digit keys",
			`{-1:"a",12345678901:"b"}`,
			`{"-1":"a","12345678901":"b"}`},
		{"whitespace around keys",
			"{ 0 : \"a\",\n\t2:\"b\" }",
			"{ \"0\" : \"a\",\n\t\"2\":\"b\" }"},
		{"nested objects",
			`{"t":{"b":{"brokerAddrs":{0:"x"},"n":{1:{2:"deep"}}}}}`,
			`{"t":{"b":{"brokerAddrs":{"0":"x"},"n":{"1":{"2":"deep"}}}}}`},
		{"numbers in value position untouched",
			`{"a":1,"b":-2,"c":[1,2,{3:4}],"d":1.5e3}`,
			`{"a":1,"b":-2,"c":[1,2,{"3":4}],"d":1.5e3}`},
		{"key-like text inside strings untouched",
			`{"remark":"{0:\"x\",1:2}","k":"a,1:b"}`,
			`{"remark":"{0:\"x\",1:2}","k":"a,1:b"}`},
		{"escaped backslash before closing quote",
			`{"p":"C:\\",0:"z"}`,
			`{"p":"C:\\","0":"z"}`},
		{"already quoted keys",
			`{"0":"a","1":"b"}`,
			`{"0":"a","1":"b"}`},
		{"array of objects with integer keys",
			`[{0:"a"},{1:"b"}]`,
			`[{"0":"a"},{"1":"b"}]`},
		{"empty containers", `{"a":{},"b":[]}`, `{"a":{},"b":[]}`},
		{"unicode in strings", `{"名":"値",7:"é"}`, `{"名":"値","7":"é"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(quoteIntegerKeys([]byte(c.in))); got != c.want {
				t.Fatalf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// Unchanged input must come back as the same slice: no copy on the hot
// path for bodies that are already JSON.
func TestQuoteIntegerKeysNoCopy(t *testing.T) {
	in := []byte(`{"table":{"a":"1"}}`)
	if out := quoteIntegerKeys(in); &out[0] != &in[0] {
		t.Fatal("unchanged input was copied")
	}
}

// The namesrv's cluster info, as fastjson writes it, decodes into the
// typed structs with integer broker ids.
func TestDecodeClusterInfoFastjson(t *testing.T) {
	body := `{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"c1"}},"clusterAddrTable":{"c1":["broker-a"]}}`
	var got ClusterInfo
	if err := decodeJSON([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := ClusterInfo{
		BrokerAddrTable: map[string]BrokerData{"broker-a": {Cluster: "c1", BrokerName: "broker-a",
			BrokerAddrs: map[int64]string{0: "10.0.0.1:10911", 1: "10.0.0.2:10911"}}},
		ClusterAddrTable: map[string][]string{"c1": {"broker-a"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

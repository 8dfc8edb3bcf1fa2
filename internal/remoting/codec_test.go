package remoting

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

// The request header encoding/json produces for this command is 61
// bytes, counted by hand:
//
//	{"code":26,"language":"GO","version":317,"opaque":1,"flag":0}
//
// so the length field is 4+61+2 = 67 (0x43) and the header word is
// serialize type 0, length 61 (0x3D).
func TestEncodeFrameGolden(t *testing.T) {
	cmd := &command{Code: 26, Language: "GO", Version: 317, Opaque: 1, Body: []byte("ab")}
	got, err := encodeFrame(cmd)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 0, 0, 0x43, 0, 0, 0, 0x3D}
	want = append(want, `{"code":26,"language":"GO","version":317,"opaque":1,"flag":0}`...)
	want = append(want, 'a', 'b')
	if !bytes.Equal(got, want) {
		t.Fatalf("frame mismatch\n got %q\nwant %q", got, want)
	}
}

// A response as a 4.9 broker writes it (fastjson, alphabetical keys,
// extra serializeTypeCurrentRPC field) must decode.
func TestDecodeJavaResponse(t *testing.T) {
	header := `{"code":1,"extFields":{"offset":"5"},"flag":1,"language":"JAVA","opaque":7,"remark":"boom","serializeTypeCurrentRPC":"JSON","version":401}`
	frame := binary.BigEndian.AppendUint32(nil, uint32(4+len(header)+3))
	frame = binary.BigEndian.AppendUint32(frame, uint32(len(header)))
	frame = append(frame, header...)
	frame = append(frame, "xyz"...)
	cmd, err := readFrame(bytes.NewReader(frame))
	if err != nil {
		t.Fatal(err)
	}
	want := &command{Code: 1, Language: "JAVA", Version: 401, Opaque: 7, Flag: 1, Remark: "boom",
		ExtFields: map[string]string{"offset": "5"}, Body: []byte("xyz")}
	if !reflect.DeepEqual(cmd, want) {
		t.Fatalf("got %+v\nwant %+v", cmd, want)
	}
	if !cmd.isResponse() {
		t.Fatal("flag 1 must read as a response")
	}
}

func TestFrameRoundTrip(t *testing.T) {
	for _, cmd := range []*command{
		{Code: 17, Language: "GO", Version: 317, Opaque: 42, ExtFields: map[string]string{"topic": "T", "perm": "6"}},
		{Code: 0, Language: "JAVA", Opaque: -3, Flag: flagResponse, Remark: "ok \"quoted\" \u00e9", Body: []byte{0, 1, 2, 0xff}},
		{Code: 11, Language: "GO", Opaque: 1, Flag: flagOneway, Body: bytes.Repeat([]byte{7}, 100000)},
	} {
		frame, err := encodeFrame(cmd)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readFrame(bytes.NewReader(frame))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, cmd) {
			t.Fatalf("round trip changed the command\n got %+v\nwant %+v", got, cmd)
		}
	}
}

func TestFrameSanity(t *testing.T) {
	be := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		return b
	}
	cases := map[string][]byte{
		"length above 16 MiB":      be(maxFrameLength + 1),
		"absurd length":            be(0xFFFFFFFF),
		"length below header word": be(3, 0),
		"header longer than frame": append(be(4+2, 100), "{}"...),
		"non-JSON serialize type":  append(be(4+2, 1<<24|2), "{}"...),
		"header not JSON":          append(be(4+2, 2), "no"...),
	}
	for name, frame := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := readFrame(bytes.NewReader(frame)); err == nil {
				t.Fatal("accepted a bad frame")
			}
		})
	}
	if _, err := readFrame(bytes.NewReader(be(maxFrameLength + 1))); !errors.Is(err, errFrame) {
		t.Fatalf("oversized length should be errFrame, got %v", err)
	}
	if _, err := encodeFrame(&command{Body: make([]byte, maxFrameLength)}); !errors.Is(err, errFrame) {
		t.Fatalf("encoding an oversized frame should fail with errFrame, got %v", err)
	}
}

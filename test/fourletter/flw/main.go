// flw asks a server the four-letter words go-zookeeper parses (FLWRuok,
// FLWSrvr, FLWCons) and prints what the library made of them as JSON, so a
// test can hold redkeeper's answers to a real third-party parser, next to
// what the same parser makes of ZooKeeper 3.8's.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/go-zookeeper/zk"
)

type srvr struct {
	OK          bool   `json:"ok"`
	Error       string `json:"error"`
	Version     string `json:"version"`
	Mode        int    `json:"mode"`
	NodeCount   int64  `json:"nodeCount"`
	Connections int64  `json:"connections"`
	Outstanding int64  `json:"outstanding"`
	Received    int64  `json:"received"`
	Sent        int64  `json:"sent"`
	Epoch       int32  `json:"epoch"`
	Counter     int32  `json:"counter"`
}

// time fields are left out: go-zookeeper reads est/lresp (ms) as seconds
type client struct {
	Addr          string `json:"addr"`
	SessionID     string `json:"sessionId"`
	LastOperation string `json:"lop"`
	Timeout       int32  `json:"timeout"`
	Queued        int64  `json:"queued"`
	Received      int64  `json:"received"`
	Sent          int64  `json:"sent"`
	Lcxid         int64  `json:"lcxid"`
	Lzxid         int64  `json:"lzxid"`
}

type cons struct {
	OK      bool     `json:"ok"`
	Error   string   `json:"error"`
	Clients []client `json:"clients"`
}

type result struct {
	Ruok bool `json:"ruok"`
	Srvr srvr `json:"srvr"`
	Cons cons `json:"cons"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: flw host:port")
		os.Exit(2)
	}
	servers := []string{os.Args[1]}
	timeout := 5 * time.Second
	var r result
	r.Ruok = zk.FLWRuok(servers, timeout)[0]

	ss, ok := zk.FLWSrvr(servers, timeout)
	r.Srvr.OK = ok
	if s := ss[0]; s.Error != nil {
		r.Srvr.Error = s.Error.Error()
	} else {
		r.Srvr.Version, r.Srvr.Mode, r.Srvr.NodeCount = s.Version, int(s.Mode), s.NodeCount
		r.Srvr.Connections, r.Srvr.Outstanding, r.Srvr.Received, r.Srvr.Sent = s.Connections, s.Outstanding, s.Received, s.Sent
		r.Srvr.Epoch, r.Srvr.Counter = s.Epoch, s.Counter
	}

	sc, ok := zk.FLWCons(servers, timeout)
	r.Cons.OK = ok
	if sc[0].Error != nil {
		r.Cons.Error = sc[0].Error.Error()
	}
	r.Cons.Clients = []client{}
	for _, c := range sc[0].Clients {
		r.Cons.Clients = append(r.Cons.Clients, client{
			Addr: c.Addr, SessionID: fmt.Sprintf("0x%x", uint64(c.SessionID)), LastOperation: c.LastOperation, Timeout: c.Timeout,
			Queued: c.Queued, Received: c.Received, Sent: c.Sent, Lcxid: c.Lcxid, Lzxid: c.Lzxid,
		})
	}

	out, err := json.Marshal(r)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}

// flw asks a server the four-letter words go-zookeeper parses (FLWRuok,
// FLWSrvr, FLWCons) and prints what the library made of them as JSON, so a
// test can hold redkeeper's answers to a real third-party parser.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/go-zookeeper/zk"
)

type result struct {
	Ruok    []bool              `json:"ruok"`
	Srvr    []*zk.ServerStats   `json:"srvr"`
	SrvrOK  bool                `json:"srvrOk"`
	Cons    []*zk.ServerClients `json:"cons"`
	ConsOK  bool                `json:"consOk"`
	SrvrErr string              `json:"srvrErr"`
	ConsErr string              `json:"consErr"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: flw host:port")
		os.Exit(2)
	}
	servers := []string{os.Args[1]}
	timeout := 5 * time.Second
	var r result
	r.Ruok = zk.FLWRuok(servers, timeout)
	r.Srvr, r.SrvrOK = zk.FLWSrvr(servers, timeout)
	if len(r.Srvr) > 0 && r.Srvr[0].Error != nil {
		r.SrvrErr = r.Srvr[0].Error.Error()
	}
	r.Cons, r.ConsOK = zk.FLWCons(servers, timeout)
	if len(r.Cons) > 0 && r.Cons[0].Error != nil {
		r.ConsErr = r.Cons[0].Error.Error()
	}
	out, err := json.Marshal(r)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/server"
)

// runTURN mints TURN REST credentials (the coturn use-auth-secret scheme)
// for the embedded TURN server of a node configured the same way, or for
// any TURN server sharing the secret.
func runTURN(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "credentials" {
		return errors.New("usage: parley turn credentials --identity NAME [--ttl 1h] [--secret S | --config FILE]")
	}
	fs := newFlags("turn credentials", stderr)
	identity := fs.String("identity", "", "whom the credentials are for (the part after ':' in the username)")
	ttl := fs.Duration("ttl", time.Hour, "how long they stay valid")
	secret := fs.String("secret", "", "shared secret (env PARLEY_TURN_SECRET; default: the config file's, else the dev secret)")
	configFile := fs.String("config", "", "the node's YAML config file, for its secret (env PARLEY_CONFIG)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *identity == "" {
		return errors.New("--identity is required")
	}
	if *ttl <= 0 {
		return errors.New("--ttl must be positive")
	}
	s, err := turnSecret(*secret, *configFile, os.Getenv)
	if err != nil {
		return err
	}
	username, password := auth.TURNCredentials(s, *identity, *ttl, time.Now())
	fmt.Fprintf(stdout, "username: %s\npassword: %s\n", username, password)
	return nil
}

// turnSecret picks the secret: the flag, PARLEY_TURN_SECRET, the config
// file's turn.secret or its API secret (as the server does), else the dev
// secret.
func turnSecret(flagSecret, configFile string, getenv func(string) string) (string, error) {
	if flagSecret != "" {
		return flagSecret, nil
	}
	if v := getenv("PARLEY_TURN_SECRET"); v != "" {
		return v, nil
	}
	if configFile == "" {
		configFile = getenv("PARLEY_CONFIG")
	}
	if configFile == "" {
		return server.DevAPISecret, nil
	}
	raw, err := os.ReadFile(configFile)
	if err != nil {
		return "", fmt.Errorf("config file: %w", err)
	}
	cfg := server.DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return "", fmt.Errorf("config file %s: %w", configFile, err)
	}
	if s := cfg.TURNSecret(); s != "" {
		return s, nil
	}
	return "", fmt.Errorf("config file %s sets neither turn.secret nor keys", configFile)
}

// Command handlergen re-derives constructs/cideploy/handlers.json: for each CloudFormation resource
// type VoiceVault's templates hold (and each type the file already lists), the IAM actions its
// CloudFormation handlers call, as the type's registry schema declares them
// (handlers.create/read/update/delete/list.permissions), with the schema's repository, path and
// commit.
//
// It reads local git checkouts (no network): each -source is
//
//	owner/name[@commit]=GITDIR:FOLDER
//
// a repository holding registry schemas (*.json with typeName and handlers) in FOLDER, read at
// commit (default HEAD) with `git show`. A type is taken from the first source that has it with
// handlers. Types listed in cideploy.ManualHandlers (no published handler schema) and types that
// need no permissions are left out. Usage, from the repository root (docs/delivery.md says how to
// get the checkouts):
//
//	go run ./cmd/handlergen -out constructs/cideploy/handlers.json \
//	    -source hashicorp/terraform-provider-awscc=$MIRRORS/hashicorp+terraform-provider-awscc/repo:internal/service/cloudformation/schemas \
//	    -source aws-cloudformation/cfn-lint@099df82d1d066ac7f0119e78dc12a42ea23315c8=$MIRRORS/aws-cloudformation+cfn-lint/repo:src/cfnlint/data/schemas/providers/us_east_1 \
//	    test/testdata/*.template.json
//
// It exits 1 naming every type no source has.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/constructs/cideploy"
)

type source struct {
	repo, commit, gitDir, folder string
}

type sources []source

func (s *sources) String() string { return fmt.Sprint(*s) }

func (s *sources) Set(v string) error {
	name, loc, ok := strings.Cut(v, "=")
	gitDir, folder, ok2 := strings.Cut(loc, ":")
	if !ok || !ok2 || name == "" || gitDir == "" {
		return fmt.Errorf("source %q is not owner/name[@commit]=GITDIR:FOLDER", v)
	}
	repo, commit, _ := strings.Cut(name, "@")
	if commit == "" {
		commit = "HEAD"
	}
	*s = append(*s, source{repo: repo, commit: commit, gitDir: gitDir, folder: strings.Trim(folder, "/")})
	return nil
}

func main() {
	var srcs sources
	out := flag.String("out", "constructs/cideploy/handlers.json", "the data file to write (its types are refreshed too)")
	flag.Var(&srcs, "source", "owner/name[@commit]=GITDIR:FOLDER, repeatable, first wins")
	flag.Parse()
	if err := run(*out, srcs, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "handlergen:", err)
		os.Exit(1)
	}
}

func run(out string, srcs sources, templates []string) error {
	if len(srcs) == 0 {
		return errors.New("no -source given")
	}
	want := map[string]bool{}
	if b, err := os.ReadFile(out); err == nil {
		var old cideploy.HandlerData
		if err := json.Unmarshal(b, &old); err != nil {
			return fmt.Errorf("%s: %w", out, err)
		}
		for typ := range old.Types {
			want[typ] = true
		}
	}
	for _, f := range templates {
		types, err := templateTypes(f)
		if err != nil {
			return err
		}
		for _, t := range types {
			want[t] = true
		}
	}
	for typ := range want {
		if _, manual := cideploy.ManualHandlers[typ]; manual || cideploy.NeedsNoHandlerData(typ) {
			delete(want, typ)
		}
	}
	wantFile := map[string]bool{}
	for typ := range want {
		wantFile[normalize(typ)] = true
	}
	data := cideploy.HandlerData{Types: map[string]cideploy.TypeHandlers{}}
	for _, s := range srcs {
		commit, err := git(s.gitDir, "rev-parse", s.commit+"^{commit}")
		if err != nil {
			return err
		}
		s.commit = strings.TrimSpace(commit)
		list, err := git(s.gitDir, "ls-tree", "-r", "--name-only", s.commit, s.folder+"/")
		if err != nil {
			return err
		}
		for _, p := range strings.Fields(list) {
			// Registry schema files are named after their type (AWS_EC2_VPC.json, aws-ec2-vpc.json).
			if path.Ext(p) != ".json" || !wantFile[normalize(strings.TrimSuffix(path.Base(p), ".json"))] {
				continue
			}
			raw, err := git(s.gitDir, "show", s.commit+":"+p)
			if err != nil {
				return err
			}
			var schema struct {
				TypeName  string `json:"typeName"`
				SourceURL string `json:"sourceUrl"`
				Handlers  map[string]struct {
					Permissions []string `json:"permissions"`
				} `json:"handlers"`
			}
			if json.Unmarshal([]byte(raw), &schema) != nil || !want[schema.TypeName] || len(schema.Handlers) == 0 {
				continue
			}
			if _, done := data.Types[schema.TypeName]; done {
				continue
			}
			perms := func(h string) []string {
				p := slices.Clone(schema.Handlers[h].Permissions)
				sort.Strings(p)
				return slices.Compact(p)
			}
			data.Types[schema.TypeName] = cideploy.TypeHandlers{
				Source: cideploy.SchemaSource{Repository: s.repo, Path: p, Commit: s.commit, ProviderURL: schema.SourceURL},
				Create: perms("create"), Read: perms("read"), Update: perms("update"), Delete: perms("delete"), List: perms("list"),
			}
		}
	}
	var missing []string
	for typ := range want {
		if _, ok := data.Types[typ]; !ok {
			missing = append(missing, typ)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("no source has a registry schema with handlers for %s (add a source, or a reasoned entry to cideploy.ManualHandlers)", strings.Join(missing, ", "))
	}
	b, err := data.Marshal()
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d resource types\n", out, len(data.Types))
	return nil
}

// normalize keeps the lowercase letters and digits of a type or file name.
func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, s)
}

func templateTypes(file string) ([]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var tpl struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal(b, &tpl); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var out []string
	for _, r := range tpl.Resources {
		out = append(out, r.Type)
	}
	return out, nil
}

func git(dir string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("git", append([]string{"--git-dir", dir}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s in %s: %v: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

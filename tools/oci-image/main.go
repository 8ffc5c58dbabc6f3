// Command oci-image writes an OCI image layout from folders on disk, one layer per folder, with
// go-containerregistry. scripts/image.ts stages the control plane's root file system into those
// folders and describes the image in a spec file; this program turns them into layers and an image
// without Docker, a daemon or a registry.
//
//	oci-image -spec spec.json -out build/image/control-plane -digest-file build/image/control-plane.digest
//
// The result is reproducible: every layer is a tar written in path order with the same owner, mode
// rules and modification time for every entry, compressed the same way, so the same folders and spec
// give the same manifest digest.
package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Owner is a numeric owner of a path in a layer.
type Owner struct {
	UID int `json:"uid"`
	GID int `json:"gid"`
}

// LayerSpec is one folder that becomes one layer.
type LayerSpec struct {
	// Dir is the folder whose contents are the layer's root (the folder itself is not an entry).
	Dir string `json:"dir"`
	// CreatedBy says in the image's history what the layer holds.
	CreatedBy string `json:"createdBy"`
	// Owners gives some paths (relative to Dir, e.g. "var/lib/ndc") an owner other than root.
	Owners map[string]Owner `json:"owners,omitempty"`
	// Modes gives some paths an exact permission mode (e.g. "tmp": 1023 for 01777).
	Modes map[string]uint32 `json:"modes,omitempty"`
}

// Spec describes the whole image.
type Spec struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	// Created is the image's and every layer entry's time (RFC 3339); fixed so builds repeat.
	Created string      `json:"created"`
	Config  v1.Config   `json:"config"`
	Layers  []LayerSpec `json:"layers"`
	// RefName is the layout's org.opencontainers.image.ref.name annotation, e.g. "0.1.0".
	RefName string `json:"refName"`
}

// Result is printed on standard output as JSON when the layout is written.
type Result struct {
	Digest    string          `json:"digest"`
	MediaType types.MediaType `json:"mediaType"`
	Layers    []LayerResult   `json:"layers"`
	Config    string          `json:"config"`
}

// LayerResult is one written layer.
type LayerResult struct {
	Digest string `json:"digest"`
	DiffID string `json:"diffID"`
	Size   int64  `json:"size"`
}

func main() {
	specPath := flag.String("spec", "", "image spec (JSON: architecture, os, created, config, layers, refName)")
	out := flag.String("out", "", "folder to write the OCI image layout into (must not exist or be empty)")
	digestFile := flag.String("digest-file", "", "file that receives the manifest digest (sha256:…)")
	flag.Parse()
	if *specPath == "" || *out == "" || *digestFile == "" {
		fmt.Fprintln(os.Stderr, "usage: oci-image -spec spec.json -out DIR -digest-file FILE")
		os.Exit(2)
	}
	result, err := run(*specPath, *out, *digestFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "oci-image: %v\n", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(result)
}

func readSpec(path string) (*Spec, time.Time, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	var spec Spec
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w", path, err)
	}
	created, err := time.Parse(time.RFC3339, spec.Created)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: created must be an RFC 3339 time: %w", path, err)
	}
	if spec.Architecture == "" || spec.OS == "" {
		return nil, time.Time{}, fmt.Errorf("%s: architecture and os are required", path)
	}
	if len(spec.Layers) == 0 {
		return nil, time.Time{}, fmt.Errorf("%s: at least one layer is required", path)
	}
	if len(spec.Config.Entrypoint) == 0 {
		return nil, time.Time{}, fmt.Errorf("%s: config.Entrypoint is required", path)
	}
	if spec.Config.User == "" || spec.Config.User == "0" || strings.HasPrefix(spec.Config.User, "0:") || strings.HasPrefix(spec.Config.User, "root") {
		return nil, time.Time{}, fmt.Errorf("%s: config.User must name a non-root user by number (uid:gid), got %q", path, spec.Config.User)
	}
	return &spec, created.UTC(), nil
}

func run(specPath, out, digestFile string) (*Result, error) {
	spec, created, err := readSpec(specPath)
	if err != nil {
		return nil, err
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s is not empty: remove it first", out)
	}
	tmp, err := os.MkdirTemp("", "oci-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	for i, l := range spec.Layers {
		tarPath := filepath.Join(tmp, fmt.Sprintf("layer-%d.tar", i))
		if err := writeLayerTar(l, created, tarPath); err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, l.Dir, err)
		}
		layer, err := tarball.LayerFromFile(tarPath, tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, l.Dir, err)
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:     layer,
			MediaType: types.OCILayer,
			History:   v1.History{Created: v1.Time{Time: created}, CreatedBy: l.CreatedBy},
		})
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i, l.Dir, err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture = spec.Architecture
	cf.OS = spec.OS
	cf.Created = v1.Time{Time: created}
	cf.Config = spec.Config
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}

	path, err := layout.Write(out, empty.Index)
	if err != nil {
		return nil, err
	}
	var opts []layout.Option
	if spec.RefName != "" {
		opts = append(opts, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": spec.RefName}))
	}
	if err := path.AppendImage(img, opts...); err != nil {
		return nil, err
	}

	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	mediaType, err := img.MediaType()
	if err != nil {
		return nil, err
	}
	configName, err := img.ConfigName()
	if err != nil {
		return nil, err
	}
	result := &Result{Digest: digest.String(), MediaType: mediaType, Config: configName.String()}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		diffID, err := l.DiffID()
		if err != nil {
			return nil, err
		}
		size, err := l.Size()
		if err != nil {
			return nil, err
		}
		result.Layers = append(result.Layers, LayerResult{Digest: d.String(), DiffID: diffID.String(), Size: size})
	}
	if err := os.WriteFile(digestFile, []byte(digest.String()+"\n"), 0o644); err != nil {
		return nil, err
	}
	return result, nil
}

// writeLayerTar writes the folder's contents as a tar in path order: every entry owned by root
// (unless Owners says otherwise), directories 0755, files 0755 when any execute bit is set and 0644
// otherwise (unless Modes says otherwise), symbolic links kept, the same modification time for all.
// Anything else (devices, sockets, pipes) is refused.
func writeLayerTar(l LayerSpec, mtime time.Time, tarPath string) error {
	root, err := filepath.Abs(l.Dir)
	if err != nil {
		return err
	}
	info, err := os.Stat(root)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a folder", root)
	}
	used := map[string]bool{}
	var paths []string
	err = filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// WalkDir visits in lexical order per folder; sort the whole list by slash path so the order
	// does not depend on the walk.
	sort.Slice(paths, func(i, j int) bool { return filepath.ToSlash(paths[i]) < filepath.ToSlash(paths[j]) })

	f, err := os.Create(tarPath)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, p := range paths {
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: rel, ModTime: mtime, Format: tar.FormatPAX}
		mode := fi.Mode()
		switch {
		case mode.IsDir():
			hdr.Typeflag = tar.TypeDir
			hdr.Name = rel + "/"
			hdr.Mode = 0o755
		case mode.IsRegular():
			hdr.Typeflag = tar.TypeReg
			hdr.Size = fi.Size()
			hdr.Mode = 0o644
			if mode.Perm()&0o111 != 0 {
				hdr.Mode = 0o755
			}
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			hdr.Typeflag = tar.TypeSymlink
			hdr.Linkname = target
			hdr.Mode = 0o777
		default:
			return fmt.Errorf("%s: only folders, files and symbolic links can go into a layer (mode %s)", rel, mode)
		}
		if o, ok := l.Owners[rel]; ok {
			hdr.Uid, hdr.Gid = o.UID, o.GID
			used["owner:"+rel] = true
		}
		if m, ok := l.Modes[rel]; ok {
			hdr.Mode = int64(m)
			used["mode:"+rel] = true
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if err := copyFile(tw, p, fi.Size()); err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
		}
	}
	for rel := range l.Owners {
		if !used["owner:"+rel] {
			return fmt.Errorf("owners names %s, which is not in %s", rel, root)
		}
	}
	for rel := range l.Modes {
		if !used["mode:"+rel] {
			return fmt.Errorf("modes names %s, which is not in %s", rel, root)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}

func copyFile(w io.Writer, path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(w, f)
	if err != nil {
		return err
	}
	if n != size {
		return errors.New("file changed while it was written into the layer")
	}
	return nil
}

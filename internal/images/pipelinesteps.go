package images

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/rmqkb/conformance/internal/gomod"
)

// The steps that build what `go run ./ci` runs on offline: the Dagger
// engine and CLI, the pipeline's images, and the engine container.

func (b *build) daggerBinaries(ctx context.Context) (bool, error) {
	dir, reused, err := buildDagger(ctx, b.o.Layout, b.work, *b.o.Dagger, b.o.Nice, b.log)
	b.eng.Bins, b.eng.Version = dir, b.o.Dagger.Version
	return reused, err
}

func (b *build) engineBinaries(ctx context.Context) (bool, error) {
	all := true
	for _, m := range engineModules {
		dir, reused, err := buildModule(ctx, b.o.Layout, b.o.Tools, m, b.o.Nice, b.log)
		if err != nil {
			return false, err
		}
		switch m.Dir {
		case "runc":
			b.eng.Runc = dir
		case "cniplugins":
			b.eng.CNI = dir
		}
		all = all && reused
	}
	return all, nil
}

// pipelineImages builds the engine image, the Go image (from the toolchain
// module of the Go version the project's go.mod names) and the
// Docker-in-Docker image, and pushes the last two, which the engine pulls.
func (b *build) pipelineImages(ctx context.Context) (bool, error) {
	goVersion, err := projectGoVersion(filepath.Dir(filepath.Dir(b.o.Tools)))
	if err != nil {
		return false, err
	}
	toolchain, err := gomod.Dir(toolchainModule(goVersion, runtime.GOOS, runtime.GOARCH))
	if err != nil {
		return false, err
	}
	base := pipelineBaseRecipe(b.in.Debian)
	b.eng.Base, b.eng.Mirror = base.Ref, PipelineMirror()
	goImage, dind := goRecipe(b.in.Debian, goVersion, toolchain), dindRecipe(base.Ref)
	all, err := b.buildImages(ctx, []Recipe{base, engineRecipe(b.eng), goImage, dind})
	if err != nil {
		return false, err
	}
	for _, ref := range []string{goImage.Ref, dind.Ref} {
		if _, err := b.o.Registry.Push(ctx, ref); err != nil {
			return false, err
		}
	}
	b.res.Pipeline = &Pipeline{
		CLI:        filepath.Join(b.eng.Bins, "dagger"),
		RunnerHost: b.o.Engine.RunnerHost(),
		Engine:     EngineRef(b.eng.Version),
		GoImage:    goImage.Ref,
		DindImage:  dind.Ref,
		Mirror:     PipelineMirror(),
		NodeImage:  b.o.Registry.As(PipelineMirror(), b.res.NodeImage),
	}
	return all, nil
}

func (b *build) engineContainer(ctx context.Context) (bool, error) {
	reused, err := b.o.Engine.Start(ctx, EngineRef(b.eng.Version), b.o.Registry)
	if err == nil && !reused {
		b.log("engine %s started (%s); its caches are in volume %s", b.o.Engine.Name, EngineRef(b.eng.Version), b.o.Engine.State)
	}
	return reused, err
}

// projectGoVersion is the Go version the project's go.mod names, with its
// patch (a go line of "1.26" means the release, 1.26.0).
func projectGoVersion(root string) (string, error) {
	f, err := readModFile(root)
	if err != nil {
		return "", fmt.Errorf("the project's go.mod: %w", err)
	}
	if f.Go == nil {
		return "", fmt.Errorf("the project's go.mod names no Go version")
	}
	v := f.Go.Version
	if strings.Count(v, ".") == 1 {
		v += ".0"
	}
	return v, nil
}

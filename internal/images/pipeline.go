package images

import "strings"

// PipelineRegistry is the upstream name under which the pipeline's own
// images live: no public registry has them, and their names say so.
const PipelineRegistry = "rmqkb.local"

// pipelinePackages are what the engine image and the run step's image
// need beyond the Debian base: the engine's tools as upstream's image
// lists them (git, ssh, xz, dnsmasq, ripgrep, sqlite, tini; the rest is in
// the base), and Debian's Docker engine for the run step.
var pipelinePackages = []string{
	"docker.io", "git", "openssh-client", "xz-utils", "dnsmasq-base", "ripgrep", "sqlite3", "tini",
}

// pipelineBaseRecipe is the base of the engine and Docker-in-Docker
// images: the Debian base with pipelinePackages from the same archive.
func pipelineBaseRecipe(debian string) Recipe {
	return Recipe{Ref: "rmqkb.local/base/pipeline:" + strings.TrimPrefix(debian, "rmqkb.local/base/debian:"), Base: debian,
		Run: []string{"apt-get update -q && apt-get install -y -q --no-install-recommends " + strings.Join(pipelinePackages, " ") +
			" && apt-get clean && rm -rf /var/lib/apt/lists/*"},
		Env: []string{"DEBIAN_FRONTEND=noninteractive"}}
}

// GoImageRef and DindImageRef name the pipeline's build and run images for
// what they are: Go from the toolchain module on Debian, and Debian's
// Docker 20.10 (not docker:27-dind).
func GoImageRef(goVersion string) string {
	return PipelineRegistry + "/ci/golang:" + goVersion + "-" + debianSuite
}

// DindImageRef is the run step's image; the build checks that Debian's
// docker is the 20.10 its name says.
const DindImageRef = PipelineRegistry + "/ci/dind:20.10-" + debianSuite

// goRecipe is the build step's image, laid out as the official golang
// image (Go in /usr/local/go, GOPATH /go), from the Go distribution the
// toolchain module golang.org/toolchain holds. The module cache keeps its
// files read-only and without execute bits; the go command sets them when
// it switches toolchains, and so does this recipe.
func goRecipe(debian, goVersion, toolchain string) Recipe {
	return Recipe{Ref: GoImageRef(goVersion), Base: debian,
		Files: []File{{From: toolchain, To: "/usr/local/go"}},
		Run: []string{"chmod -R u+w,a+rX /usr/local/go && chmod a+x /usr/local/go/bin/* /usr/local/go/pkg/tool/*/*" +
			" && mkdir -p /go/bin /go/pkg/mod && /usr/local/go/bin/go version"},
		Env:     []string{"GOPATH=/go", "GOTOOLCHAIN=local", "PATH=/go/bin:/usr/local/go/bin:" + basePath},
		Workdir: "/go"}
}

// dindRecipe is the run step's image: Debian's Docker engine and CLI, and
// what the runc wrapper the run step brings on hosts that need it calls
// (bash and jq, in the base), iproute2 for the routes e2e adds. The suite
// and Go come from the build step.
func dindRecipe(pipelineBase string) Recipe {
	return Recipe{Ref: DindImageRef, Base: pipelineBase,
		Run: []string{`dockerd --version | grep -q ' 20\.10\.' || { echo "Debian's docker is not 20.10: rename the image" >&2; exit 1; }`}}
}

// toolchainModule is the module that holds the Go distribution of
// goVersion (1.26.8) for a platform.
func toolchainModule(goVersion, goos, goarch string) string {
	return "golang.org/toolchain@v0.0.1-go" + goVersion + "." + goos + "-" + goarch
}

// Package images builds the offline image set: every image a kind cluster
// with KubeBlocks and the rocketmq addon pulls, built on this machine from
// sources a locked-down host still reaches (Debian's archive, the Go module
// proxy, Maven Central), and pushed into a local registry that kind's nodes
// use as their mirror.
//
// The build is a list of steps (Build), each of which reuses what an
// earlier run made: Go binaries are kept per module version, images are
// labelled with a hash of their build context and rebuilt only when it
// changes. What differs from the upstream images, and why it does not
// change what the suite checks, is in README's offline section.
package images

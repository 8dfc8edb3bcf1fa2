package lifecycle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
)

// writeCharts lays out a chart repository checkout as kubeblocks-addons
// does: addons/app depends on addons/lib through file://../lib, with an
// alias, and uses a template only lib defines.
func writeCharts(t *testing.T, libName, libVersion string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"addons/app/Chart.yaml": `apiVersion: v2
name: app
version: 1.0.2
dependencies:
  - name: lib
    version: 0.1.0
    repository: file://../lib
    alias: extra
`,
		"addons/app/values.yaml":              "greeting: hello\n",
		"addons/app/templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  from-lib: {{ include \"lib.stamp\" . | quote }}\n",
		"addons/lib/Chart.yaml":               "apiVersion: v2\nname: " + libName + "\nversion: " + libVersion + "\ntype: library\n",
		"addons/lib/templates/_helpers.tpl":   "{{- define \"lib.stamp\" -}}made by lib for {{ .Values.greeting }}{{- end -}}\n",
	}
	for p, data := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "addons", "app")
}

// TestLoadChartDirResolvesFileDependencies renders the chart: the
// library's template must be there, read from the sibling folder.
func TestLoadChartDirResolvesFileDependencies(t *testing.T) {
	ch, err := LoadChartDir(writeCharts(t, "lib", "0.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := action.CheckDependencies(ch, ch.Metadata.Dependencies); err != nil {
		t.Fatalf("dependencies after loading: %v", err)
	}
	in := action.NewInstall(&action.Configuration{})
	in.DryRun, in.ClientOnly, in.ReleaseName, in.Namespace = true, true, "r", "ns"
	in.KubeVersion = &chartutil.KubeVersion{Version: "v1.37.2", Major: "1", Minor: "37"}
	rel, err := in.Run(ch, nil)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	if !strings.Contains(rel.Manifest, `from-lib: "made by lib for hello"`) {
		t.Errorf("manifest lacks the library's template:\n%s", rel.Manifest)
	}
}

func TestLoadChartDirNamesWhatIsWrong(t *testing.T) {
	app := writeCharts(t, "other", "0.1.0")
	if _, err := LoadChartDir(app); err == nil || !strings.Contains(err.Error(), `holds chart "other"`) {
		t.Errorf("a folder with another chart: %v", err)
	}
	app = writeCharts(t, "lib", "0.2.0")
	if _, err := LoadChartDir(app); err == nil || !strings.Contains(err.Error(), "0.2.0") {
		t.Errorf("a dependency at another version: %v", err)
	}
	app = writeCharts(t, "lib", "0.1.0")
	if err := os.RemoveAll(filepath.Join(filepath.Dir(app), "lib")); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadChartDir(app); err == nil || !strings.Contains(err.Error(), "file://../lib") {
		t.Errorf("a missing dependency folder: %v", err)
	}
	if _, err := LoadChartDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no Chart.yaml") {
		t.Errorf("a folder without a chart: %v", err)
	}
}

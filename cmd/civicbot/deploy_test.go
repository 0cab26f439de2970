package main

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// The Kubernetes manifests under deploy/kubernetes are checked offline: every document
// decodes strictly (no unknown or misspelt field) into the Kubernetes API's own Go
// types, the kustomizations render, and what the service needs of its deployment holds.

const kubeDir = "../../deploy/kubernetes"

// secretVars are the variables that must come from the Secret, never the ConfigMap.
var secretVars = []string{"DATABASE_URL", "LLM_API_KEY", "EMBEDDINGS_API_KEY", "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "CIVICBOT_METRICS_TOKEN", "OIDC_CLIENT_SECRET"}

// envRead is every variable civicbot reads, as civicbot itself asks for them.
func envRead(t *testing.T) []string {
	t.Helper()
	var names []string
	getenv := func(k string) string {
		if !slices.Contains(names, k) {
			names = append(names, k)
		}
		return ""
	}
	// An unknown command: the configuration is read, nothing is run.
	if err := run(context.Background(), []string{"civicbot", "no-such-command"}, getenv, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("run: %v", err)
	}
	if len(names) < 20 || !slices.Contains(names, "DATABASE_URL") || !slices.Contains(names, "CIVICBOT_LOG_LEVEL") {
		t.Fatalf("variables read: %v", names)
	}
	return names
}

// object is a decoded Kubernetes object.
type object interface{ GetName() string }

// decode decodes one document strictly into the API type of its kind.
func decode(t *testing.T, where string, doc []byte) object {
	t.Helper()
	var head metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &head); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var obj object
	switch head.APIVersion + " " + head.Kind {
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "v1 ServiceAccount":
		obj = &corev1.ServiceAccount{}
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	case "v1 Secret":
		obj = &corev1.Secret{}
	case "v1 Namespace":
		obj = &corev1.Namespace{}
	case "batch/v1 Job":
		obj = &batchv1.Job{}
	case "batch/v1 CronJob":
		obj = &batchv1.CronJob{}
	case "policy/v1 PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		obj = &autoscalingv2.HorizontalPodAutoscaler{}
	case "networking.k8s.io/v1 NetworkPolicy":
		obj = &networkingv1.NetworkPolicy{}
	case "networking.k8s.io/v1 Ingress":
		obj = &networkingv1.Ingress{}
	default:
		t.Fatalf("%s: %s %s is not a kind this test knows: add it", where, head.APIVersion, head.Kind)
	}
	// As the API server decodes: field names are case-sensitive (encoding/json's are
	// not, and would take readOnlyRootFileSystem for readOnlyRootFilesystem), and an
	// unknown or repeated field is an error.
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	strict, err := kjson.UnmarshalStrict(j, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err = errors.Join(append(strict, err)...); err != nil {
		t.Fatalf("%s: %s %s: %v", where, head.APIVersion, head.Kind, err)
	}
	if obj.GetName() == "" {
		t.Fatalf("%s: %s without a name", where, head.Kind)
	}
	return obj
}

// TestKubernetesFilesDecodeStrictly: every manifest file, rendered or not.
func TestKubernetesFilesDecodeStrictly(t *testing.T) {
	n := 0
	err := filepath.WalkDir(kubeDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".yaml" || d.Name() == "kustomization.yaml" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, doc := range strings.Split(string(b), "\n---\n") {
			decode(t, path+" document "+strconv.Itoa(i+1), []byte(doc))
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d documents found under %s", n, kubeDir)
	}
}

// rendered is a kustomization's output, by kind.
type rendered struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	configMaps  []*corev1.ConfigMap
	secrets     []*corev1.Secret
	jobs        []*batchv1.Job
	cronJobs    []*batchv1.CronJob
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	netpols     []*networkingv1.NetworkPolicy
	all         []object
}

func render(t *testing.T, dir string) rendered {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	var r rendered
	for _, res := range m.Resources() {
		y, err := res.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		obj := decode(t, dir+": "+res.GetKind()+" "+res.GetName(), y)
		r.all = append(r.all, obj)
		switch o := obj.(type) {
		case *appsv1.Deployment:
			r.deployments = append(r.deployments, o)
		case *corev1.Service:
			r.services = append(r.services, o)
		case *corev1.ConfigMap:
			r.configMaps = append(r.configMaps, o)
		case *corev1.Secret:
			r.secrets = append(r.secrets, o)
		case *batchv1.Job:
			r.jobs = append(r.jobs, o)
		case *batchv1.CronJob:
			r.cronJobs = append(r.cronJobs, o)
		case *policyv1.PodDisruptionBudget:
			r.pdbs = append(r.pdbs, o)
		case *autoscalingv2.HorizontalPodAutoscaler:
			r.hpas = append(r.hpas, o)
		case *networkingv1.NetworkPolicy:
			r.netpols = append(r.netpols, o)
		}
	}
	return r
}

func one[T any](t *testing.T, what string, xs []T) T {
	t.Helper()
	if len(xs) != 1 {
		t.Fatalf("%d %s, want 1", len(xs), what)
	}
	return xs[0]
}

func TestKubernetesManifests(t *testing.T) {
	vars := envRead(t)
	for _, dir := range []string{"base", "overlays/example"} {
		t.Run(dir, func(t *testing.T) {
			r := render(t, filepath.Join(kubeDir, dir))
			checkRendered(t, r, vars)
		})
	}
}

func checkRendered(t *testing.T, r rendered, vars []string) {
	dep := one(t, "Deployments", r.deployments)
	pod := dep.Spec.Template
	podLabels := labels.Set(pod.Labels)

	// The settings: every variable civicbot reads is given, each where it belongs,
	// nothing else is, and together they make a configuration civicbot accepts.
	var cm *corev1.ConfigMap
	var sec *corev1.Secret
	for _, c := range r.configMaps {
		if strings.HasPrefix(c.Name, "civicbot-config") {
			cm = c
		}
	}
	for _, s := range r.secrets {
		if strings.HasPrefix(s.Name, "civicbot-secrets") {
			sec = s
		}
	}
	if cm == nil || sec == nil {
		t.Fatal("no civicbot-config ConfigMap or civicbot-secrets Secret")
	}
	env := map[string]string{}
	for k, v := range cm.Data {
		if slices.Contains(secretVars, k) {
			t.Errorf("%s is a secret, in the ConfigMap", k)
		}
		env[k] = v
	}
	for k, v := range sec.Data {
		if !slices.Contains(secretVars, k) {
			t.Errorf("%s is in the Secret; add it to secretVars if it is secret", k)
		}
		env[k] = string(v)
	}
	for k, v := range sec.StringData {
		env[k] = v
	}
	for _, v := range vars {
		if _, ok := env[v]; !ok {
			t.Errorf("%s (read by civicbot) is in neither the ConfigMap nor the Secret", v)
		}
	}
	for k := range env {
		if !slices.Contains(vars, k) {
			t.Errorf("%s is set but civicbot never reads it (a typo?)", k)
		}
	}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("civicbot refuses the configuration: %v", err)
	}

	// Replicas and their scaling.
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 2 {
		t.Errorf("replicas %v, want at least 2", dep.Spec.Replicas)
	}
	if sel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector); err != nil || !sel.Matches(podLabels) {
		t.Errorf("the Deployment's selector does not match its pods: %v", err)
	}
	hpa := one(t, "HorizontalPodAutoscalers", r.hpas)
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas ||
		hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != dep.Name {
		t.Errorf("HorizontalPodAutoscaler %+v", hpa.Spec)
	}
	pdb := one(t, "PodDisruptionBudgets", r.pdbs)
	if sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector); err != nil || !sel.Matches(podLabels) {
		t.Errorf("the PodDisruptionBudget does not select the pods: %v", err)
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() < 1 || pdb.Spec.MinAvailable.IntValue() >= int(*dep.Spec.Replicas) {
		t.Errorf("PodDisruptionBudget minAvailable %v: want at least 1 and fewer than the replicas, or no node drains", pdb.Spec.MinAvailable)
	}

	// The server's container: ports from the configuration, probes, a grace that fits
	// the shutdown.
	c := one(t, "containers in the Deployment", pod.Spec.Containers)
	if slices.Equal(c.Args, []string{"serve"}) == false {
		t.Errorf("server args %q", c.Args)
	}
	port := func(name string) int32 {
		for _, p := range c.Ports {
			if p.Name == name {
				return p.ContainerPort
			}
		}
		t.Errorf("no container port named %s", name)
		return 0
	}
	portOf := func(addr string) int32 {
		_, p, err := net.SplitHostPort(addr)
		n, err2 := strconv.Atoi(p)
		if err != nil || err2 != nil {
			t.Fatalf("address %q", addr)
		}
		return int32(n)
	}
	if port("http") != portOf(cfg.Addr) {
		t.Errorf("container port http %d, CIVICBOT_ADDR %s", port("http"), cfg.Addr)
	}
	if cfg.MetricsAddr == "" || port("metrics") != portOf(cfg.MetricsAddr) {
		t.Errorf("container port metrics %d, CIVICBOT_METRICS_ADDR %q", port("metrics"), cfg.MetricsAddr)
	}
	probe := func(name string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path || p.HTTPGet.Port.String() != "http" {
			t.Errorf("%s probe %+v, want GET %s on http", name, p, path)
		}
	}
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("liveness", c.LivenessProbe, "/healthz")
	var preStop time.Duration
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		preStop = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	need := preStop + shutdownTimeout + cfg.LineDrainTimeout + engineCloseTimeout
	if g := pod.Spec.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second < need {
		t.Errorf("terminationGracePeriodSeconds %d: the shutdown may take %s (preStop %s, HTTP %s, LINE drain %s, saves %s)",
			deref(g), need, preStop, shutdownTimeout, cfg.LineDrainTimeout, engineCloseTimeout)
	}

	// The Service reaches both ports; the NetworkPolicy admits them.
	svc := one(t, "Services", r.services)
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) || len(svc.Spec.Selector) == 0 {
		t.Errorf("the Service does not select the pods: %v", svc.Spec.Selector)
	}
	for _, name := range []string{"http", "metrics"} {
		if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.TargetPort.String() == name }) {
			t.Errorf("the Service has no port to %s", name)
		}
	}
	var serverPolicy *networkingv1.NetworkPolicy
	for _, np := range r.netpols {
		if sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector); err == nil && sel.Matches(podLabels) {
			serverPolicy = np
		}
	}
	if serverPolicy == nil || !slices.Contains(serverPolicy.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
		t.Fatal("no NetworkPolicy with egress rules selects the server's pods")
	}
	for _, name := range []string{"http", "metrics"} {
		if !slices.ContainsFunc(serverPolicy.Spec.Ingress, func(rule networkingv1.NetworkPolicyIngressRule) bool {
			return slices.ContainsFunc(rule.Ports, func(p networkingv1.NetworkPolicyPort) bool { return p.Port != nil && p.Port.String() == name })
		}) {
			t.Errorf("the NetworkPolicy admits nothing on %s", name)
		}
	}

	// The jobs.
	job := one(t, "Jobs", r.jobs)
	if c := one(t, "containers in the migrate Job", job.Spec.Template.Spec.Containers); !slices.Equal(c.Args, []string{"migrate"}) {
		t.Errorf("migrate Job args %q", c.Args)
	}
	cron := one(t, "CronJobs", r.cronJobs)
	if c := one(t, "containers in the ingest CronJob", cron.Spec.JobTemplate.Spec.Template.Spec.Containers); len(c.Args) < 2 || c.Args[0] != "ingest" {
		t.Errorf("ingest CronJob args %q", c.Args)
	}
	if cron.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("ingest CronJob concurrencyPolicy %q: two ingests at once wait on each other's lock", cron.Spec.ConcurrencyPolicy)
	}

	// Every pod: non-root, read-only root filesystem, no privileges, bounded resources,
	// the settings of this render, no Kubernetes API token.
	names := map[string]bool{}
	for _, o := range r.all {
		names[o.GetName()] = true
	}
	for where, spec := range map[string]corev1.PodSpec{
		"Deployment": pod.Spec, "Job": job.Spec.Template.Spec, "CronJob": cron.Spec.JobTemplate.Spec.Template.Spec,
	} {
		if sc := spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
			t.Errorf("%s: the pod may run as root", where)
		}
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			t.Errorf("%s: a Kubernetes API token is mounted", where)
		}
		volumes := map[string]bool{}
		for _, v := range spec.Volumes {
			volumes[v.Name] = true
			if v.ConfigMap != nil && !names[v.ConfigMap.Name] {
				t.Errorf("%s: volume %s: no ConfigMap %s", where, v.Name, v.ConfigMap.Name)
			}
		}
		for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("%s/%s: want a read-only root filesystem, no privilege escalation, every capability dropped", where, c.Name)
			}
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Requests[res]; !ok {
					t.Errorf("%s/%s: no %s request", where, c.Name, res)
				}
				if _, ok := c.Resources.Limits[res]; !ok && res == corev1.ResourceMemory {
					t.Errorf("%s/%s: no %s limit", where, c.Name, res)
				}
			}
			for _, m := range c.VolumeMounts {
				if !volumes[m.Name] {
					t.Errorf("%s/%s: mounts %s, which is no volume", where, c.Name, m.Name)
				}
			}
			if !strings.Contains(c.Image, "civicbot") {
				continue
			}
			var fromCM, fromSecret bool
			for _, e := range c.EnvFrom {
				if e.ConfigMapRef != nil && e.ConfigMapRef.Name == cm.Name {
					fromCM = true
				}
				if e.SecretRef != nil && e.SecretRef.Name == sec.Name {
					fromSecret = true
				}
			}
			if !fromCM || !fromSecret {
				t.Errorf("%s/%s: the settings do not come from %s and %s: %+v", where, c.Name, cm.Name, sec.Name, c.EnvFrom)
			}
			if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/tmp" && !m.ReadOnly }) {
				t.Errorf("%s/%s: no writable /tmp", where, c.Name)
			}
		}
	}
}

func deref[T any](p *T) (v T) {
	if p != nil {
		v = *p
	}
	return v
}

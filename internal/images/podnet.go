package images

// podnetScript is the pod network kind's nodes get in place of kindnetd,
// whose source is only in kind's git repository. Each node runs it (a
// DaemonSet on the host network): it writes the node's CNI config, a ptp
// link per pod with addresses from the node's podCIDR, and routes every
// other node's podCIDR through that node. That is all kindnetd does for a
// cluster without network policies. It reads the nodes from the API server
// kind names in CONTROL_PLANE_ENDPOINT, every 10 s.
const podnetScript = `#!/bin/bash
set -u
sa=/var/run/secrets/kubernetes.io/serviceaccount
conf=/etc/cni/net.d/10-podnet.conflist
while true; do
  if nodes=$(curl -sf --cacert "$sa/ca.crt" -H "Authorization: Bearer $(cat "$sa/token")" "https://${CONTROL_PLANE_ENDPOINT}/api/v1/nodes"); then
    while IFS=$'\t' read -r name cidr ip; do
      [ -n "$cidr" ] && [ -n "$ip" ] || continue
      if [ "$name" = "$NODE_NAME" ]; then
        want=$(jq -n --arg cidr "$cidr" '{cniVersion:"0.3.1", name:"podnet", plugins:[{type:"ptp", ipMasq:false, mtu:1500, ipam:{type:"host-local", dataDir:"/run/cni-ipam-state", routes:[{dst:"0.0.0.0/0"}], ranges:[[{subnet:$cidr}]]}}, {type:"portmap", capabilities:{portMappings:true}}]}')
        if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
          printf '%s\n' "$want" > "$conf.tmp" && mv "$conf.tmp" "$conf" && echo "podnet: $conf for $cidr"
        fi
      else
        ip route replace "$cidr" via "$ip"
      fi
    done < <(printf '%s' "$nodes" | jq -r '.items[] | [.metadata.name, (.spec.podCIDR // ""), ([.status.addresses[]? | select(.type == "InternalIP") | .address | select(test("^[0-9.]+$"))][0] // "")] | @tsv')
  else
    echo "podnet: cannot list nodes from ${CONTROL_PLANE_ENDPOINT}"
  fi
  sleep 10
done
`

// podnetManifest is /kind/manifests/default-cni.yaml: kind applies it at
// create, and patches CONTROL_PLANE_ENDPOINT into the first container's
// environment because it holds kind's marker phrase: would you kindly patch this file.
const podnetManifest = `# would you kindly patch this file
apiVersion: v1
kind: ServiceAccount
metadata:
  name: podnet
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: podnet
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "get", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: podnet
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: podnet
subjects:
  - kind: ServiceAccount
    name: podnet
    namespace: kube-system
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: podnet
  namespace: kube-system
  labels:
    app: podnet
spec:
  selector:
    matchLabels:
      app: podnet
  template:
    metadata:
      labels:
        app: podnet
    spec:
      hostNetwork: true
      serviceAccountName: podnet
      tolerations:
        - operator: Exists
      containers:
        - name: podnet
          image: ` + podnetImage + `
          command: ["/usr/local/bin/podnet"]
          env:
            - name: NODE_NAME
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
          securityContext:
            privileged: true
          volumeMounts:
            - name: cni-cfg
              mountPath: /etc/cni/net.d
      volumes:
        - name: cni-cfg
          hostPath:
            path: /etc/cni/net.d
            type: DirectoryOrCreate
`

#!/usr/bin/env bash
# Print the provider mirror folder for `terraform init -plugin-dir=...`: the folder ABOVE
# registry.terraform.io that holds a terraform-provider-aws_* binary. Prints nothing when there is
# none (terraform init then downloads providers from the registry as usual).
# Honours TF_PLUGIN_DIR when it is already a valid mirror. Searches likely places first, then /.
set -uo pipefail
valid() { [[ -n "$1" && -d "$1/registry.terraform.io/hashicorp/aws" ]]; }
if valid "${TF_PLUGIN_DIR:-}"; then echo "$TF_PLUGIN_DIR"; exit 0; fi
for root in /opt /usr/local/share /usr/share /usr/local/lib "$HOME/.terraform.d" "$HOME/.local/share/terraform" /var/lib /srv; do
  [[ -d "$root" ]] || continue
  hit=$(find "$root" -maxdepth 8 -name 'terraform-provider-aws_*' -path '*/registry.terraform.io/*' -print -quit 2>/dev/null)
  [[ -n "$hit" ]] && break
done
if [[ -z "${hit:-}" ]]; then
  hit=$(find / -xdev \( -path /proc -o -path /sys -o -path /dev \) -prune -o -name 'terraform-provider-aws_*' -path '*/registry.terraform.io/*' -print -quit 2>/dev/null)
fi
[[ -n "${hit:-}" ]] || exit 0
echo "${hit%%/registry.terraform.io/*}"

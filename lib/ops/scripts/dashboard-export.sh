#!/usr/bin/env bash
# dashboard-export.sh export|publish: dashboards as YAML, versioned (CronJob dashboard-export).
#
#   export   (init container, Superset image): `superset export-dashboards` writes every dashboard
#            with its charts, datasets and databases as a ZIP of YAML to EXPORT_DIR/dashboards.zip,
#            as EXPORT_USER (the first admin, from the admin Secret). Superset 6.1's command always
#            exports as the user named "admin" (superset/cli/importexport.py), so any other
#            EXPORT_USER fails at once with the reason instead of an AttributeError later.
#   publish  (ops image): unpacks the ZIP into a stable tree (the timestamped top folder and
#            metadata.yaml's timestamp removed, so an unchanged Superset gives an identical tree),
#            then, by EXPORT_TARGET:
#            git            commits it to GIT_BRANCH of GIT_REPOSITORY under GIT_PATH and pushes over
#                           SSH, only when something changed; the deploy key and known_hosts come
#                           from GIT_SSH_PRIVATE_KEY / GIT_SSH_KNOWN_HOSTS (host keys always checked).
#                           A local path or file:// URL is accepted too (tests, local mirrors).
#            objectStorage  uploads the ZIP to S3_PREFIX/dashboards/ when the tree's digest differs
#                           from the last upload's.
set -Eeuo pipefail
OPS_TASK=dashboard-export
# shellcheck source=ops-lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/ops-lib.sh"

require_env EXPORT_DIR
readonly ZIP="${EXPORT_DIR}/dashboards.zip"

export_dashboards() {
  require_env EXPORT_USER
  [[ "${EXPORT_USER}" == admin ]] ||
    die "${EXIT_PERMANENT}" "the export should run as \"${EXPORT_USER}\" (username of the admin Secret), but Superset 6.1's export-dashboards always exports as the user \"admin\": keep the username \"admin\" in the admin Secret, or create a user \"admin\" with the Admin role"
  rm -f "${ZIP}"
  log "superset export-dashboards -f ${ZIP} (as ${EXPORT_USER})"
  superset export-dashboards -f "${ZIP}" ||
    die "${EXIT_RETRY}" "superset export-dashboards failed (it exports as the user \"${EXPORT_USER}\": that user must exist; see the log above)"
  [[ -s "${ZIP}" ]] || die "${EXIT_RETRY}" "superset export-dashboards wrote no ZIP"
  log "wrote ${ZIP} ($(stat -c %s "${ZIP}") bytes)"
}

# Unpacks the ZIP into $1: the files of the one top folder, without metadata.yaml's timestamp.
stable_tree() {
  local tree=$1 raw="${EXPORT_DIR}/raw" top
  [[ -s "${ZIP}" ]] || die "${EXIT_RETRY}" "no ${ZIP}: did the export init container run?"
  unzip -tqq "${ZIP}" >/dev/null || die "${EXIT_PERMANENT}" "${ZIP} is not a valid ZIP archive"
  rm -rf "${raw}" "${tree}"
  mkdir -p "${raw}"
  unzip -qq "${ZIP}" -d "${raw}"
  mapfile -t top < <(find "${raw}" -mindepth 1 -maxdepth 1)
  if [[ ${#top[@]} -eq 1 && -d "${top[0]}" ]]; then
    mv "${top[0]}" "${tree}" # dashboard_export_<timestamp>/ -> a name that never changes
  else
    mv "${raw}" "${tree}"
  fi
  rm -rf "${raw}"
  [[ -f "${tree}/metadata.yaml" ]] || die "${EXIT_PERMANENT}" "the export has no metadata.yaml: not a Superset export"
  sed -i '/^timestamp:/d' "${tree}/metadata.yaml"
  find "${tree}" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
  DASHBOARDS=$(find "${tree}/dashboards" -type f -name '*.yaml' 2>/dev/null | wc -l)
  FILES=$(find "${tree}" -type f | wc -l)
  log "export holds ${DASHBOARDS} dashboards in ${FILES} files"
}

# Digest of a tree: paths and contents, in a fixed order.
tree_digest() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

is_ssh_url() {
  [[ "$1" == ssh://* || "$1" =~ ^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+: ]]
}

# SSH for git: the deploy key and known_hosts from the Secret, written 0600 (a Secret volume
# with fsGroup comes out group-readable, which ssh refuses); strict host key checking, always.
setup_ssh() {
  require_env GIT_SSH_PRIVATE_KEY GIT_SSH_KNOWN_HOSTS HOME
  local dir="${HOME}/.ssh-export"
  rm -rf "${dir}"
  mkdir -m 0700 "${dir}"
  (
    umask 077
    printf '%s\n' "${GIT_SSH_PRIVATE_KEY%$'\n'}" >"${dir}/id"
    printf '%s\n' "${GIT_SSH_KNOWN_HOSTS%$'\n'}" >"${dir}/known_hosts"
  )
  unset GIT_SSH_PRIVATE_KEY GIT_SSH_KNOWN_HOSTS
  ssh-keygen -l -f "${dir}/known_hosts" >/dev/null 2>&1 ||
    die "${EXIT_PERMANENT}" "GIT_SSH_KNOWN_HOSTS holds no valid known_hosts line (ssh-keyscan <host> gives one)"
  ssh-keygen -y -f "${dir}/id" >/dev/null 2>&1 ||
    die "${EXIT_PERMANENT}" "GIT_SSH_PRIVATE_KEY is not an unencrypted OpenSSH private key"
  local ssh=(ssh -F /dev/null -i "${dir}/id" -o IdentitiesOnly=yes -o IdentityAgent=none
    -o "UserKnownHostsFile=${dir}/known_hosts" -o GlobalKnownHostsFile=/dev/null
    -o StrictHostKeyChecking=yes -o UpdateHostKeys=no -o BatchMode=yes -o ConnectTimeout=20 -o LogLevel=ERROR)
  GIT_SSH_COMMAND=$(printf '%q ' "${ssh[@]}")
  export GIT_SSH_COMMAND GIT_SSH_VARIANT=ssh
}

# git_remote_failed STDERR_FILE WHAT: permanent when the host key or the key was refused.
git_remote_failed() {
  cat "$1" >&2
  if grep -qE 'Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known' "$1"; then
    die "${EXIT_PERMANENT}" "$2: the Git server's host key does not match GIT_SSH_KNOWN_HOSTS"
  fi
  if grep -q 'Permission denied' "$1"; then
    die "${EXIT_PERMANENT}" "$2: the deploy key was refused (is it added to the repository, with write access?)"
  fi
  die "${EXIT_RETRY}" "$2 failed"
}

publish_git() {
  local tree=$1
  require_env GIT_REPOSITORY GIT_BRANCH GIT_PATH GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL HOME
  export GIT_COMMITTER_NAME="${GIT_AUTHOR_NAME}" GIT_COMMITTER_EMAIL="${GIT_AUTHOR_EMAIL}"
  export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
  [[ "${GIT_PATH}" =~ ^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$ && "/${GIT_PATH}/" != */../* && "/${GIT_PATH}/" != */./* ]] ||
    die "${EXIT_PERMANENT}" "GIT_PATH \"${GIT_PATH}\" must be a relative folder inside the repository"
  if is_ssh_url "${GIT_REPOSITORY}"; then
    setup_ssh
  elif [[ "${GIT_REPOSITORY}" == /* || "${GIT_REPOSITORY}" == file://* ]]; then
    log "local repository ${GIT_REPOSITORY} (no SSH)"
  else
    die "${EXIT_PERMANENT}" "GIT_REPOSITORY must be an SSH URL (git@host:path or ssh://...), not \"${GIT_REPOSITORY}\""
  fi

  local attempt repo="${EXPORT_DIR}/repo" err="${EXPORT_DIR}/git.err" rc
  for attempt in 1 2 3; do
    rm -rf "${repo}"
    rc=0
    git ls-remote --exit-code --heads "${GIT_REPOSITORY}" "refs/heads/${GIT_BRANCH}" >/dev/null 2>"${err}" || rc=$?
    if [[ ${rc} -eq 0 ]]; then
      git clone --quiet --depth 1 --single-branch --branch "${GIT_BRANCH}" "${GIT_REPOSITORY}" "${repo}" 2>"${err}" ||
        git_remote_failed "${err}" "git clone of ${GIT_REPOSITORY}"
    elif [[ ${rc} -eq 2 ]]; then
      log "branch ${GIT_BRANCH} does not exist yet: creating it"
      git init --quiet "${repo}"
      git -C "${repo}" checkout --quiet --orphan "${GIT_BRANCH}"
      git -C "${repo}" remote add origin "${GIT_REPOSITORY}"
    else
      git_remote_failed "${err}" "git ls-remote ${GIT_REPOSITORY}"
    fi

    rm -rf "${repo:?}/${GIT_PATH}"
    mkdir -p "${repo}/${GIT_PATH}"
    cp -R "${tree}/." "${repo}/${GIT_PATH}/"
    git -C "${repo}" add --all -- "${GIT_PATH}"
    if git -C "${repo}" diff --cached --quiet; then
      log "no change since the last export: nothing to commit"
      return 0
    fi
    local stat
    stat=$(git -C "${repo}" diff --cached --shortstat)
    git -C "${repo}" -c commit.gpgsign=false commit --quiet --no-verify \
      -m "Dashboard export of ${EXPORT_ENVIRONMENT:-superset}: ${DASHBOARDS} dashboards" \
      -m "${stat# }" -m "Exported by the dashboard-export CronJob (superset export-dashboards)."
    if git -C "${repo}" push --quiet origin "HEAD:refs/heads/${GIT_BRANCH}" 2>"${err}"; then
      log "pushed $(git -C "${repo}" rev-parse --short HEAD) to ${GIT_BRANCH}:${GIT_PATH} (${stat# })"
      return 0
    fi
    if grep -qE 'rejected|fetch first|non-fast-forward' "${err}"; then
      log "push rejected (the branch moved); attempt ${attempt} of 3"
      continue
    fi
    git_remote_failed "${err}" "git push to ${GIT_REPOSITORY}"
  done
  die "${EXIT_RETRY}" "the branch kept moving; gave up after 3 attempts"
}

publish_object_storage() {
  local tree=$1 digest previous=''
  require_env S3_ENDPOINT S3_REGION S3_BUCKET S3_PREFIX
  require_s3_credentials
  local base="${S3_PREFIX}/dashboards" marker="${EXPORT_DIR}/latest.sha256"
  digest=$(tree_digest "${tree}")
  if s3_get "${base}/latest.sha256" "${marker}"; then
    read -r previous _ <"${marker}" || true
  elif [[ "${S3_STATUS}" != 404 ]]; then
    die "${EXIT_RETRY}" "cannot read s3://${S3_BUCKET}/${base}/latest.sha256"
  fi
  if [[ "${previous}" == "${digest}" ]]; then
    log "no change since the last export: nothing uploaded"
    return 0
  fi
  local key
  key="${base}/dashboards-$(date -u +%Y%m%dT%H%M%SZ).zip"
  s3_put "${ZIP}" "${key}" || die "${EXIT_RETRY}" "upload of ${key} failed"
  printf '%s  %s\n' "${digest}" "${key}" >"${marker}"
  s3_put "${marker}" "${base}/latest.sha256" || die "${EXIT_RETRY}" "upload of ${base}/latest.sha256 failed"
  log "uploaded s3://${S3_BUCKET}/${key} (${DASHBOARDS} dashboards)"
}

case "${1:-}" in
  export)
    export_dashboards
    ;;
  publish)
    require_env EXPORT_TARGET
    DASHBOARDS=0
    FILES=0
    stable_tree "${EXPORT_DIR}/tree"
    case "${EXPORT_TARGET}" in
      git) publish_git "${EXPORT_DIR}/tree" ;;
      objectStorage) publish_object_storage "${EXPORT_DIR}/tree" ;;
      *) die "${EXIT_PERMANENT}" "EXPORT_TARGET must be git or objectStorage, not \"${EXPORT_TARGET}\"" ;;
    esac
    ;;
  *)
    die "${EXIT_PERMANENT}" "usage: $0 export|publish"
    ;;
esac

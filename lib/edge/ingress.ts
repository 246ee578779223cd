import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { SUPERSET_FLOWER, SUPERSET_WEB, SUPERSET_WEBSOCKET } from '../superset/endpoints';
import type { Environment } from '../config/load';
import { recommendedLabels } from '../workload/labels';

export interface SupersetIngressProps {
  readonly env: Environment;
}

/** Seconds the proxy waits beyond gunicorn's timeout, so gunicorn (not NGINX) ends a slow request. */
export const PROXY_TIMEOUT_MARGIN_SECONDS = 10;

/**
 * Ingress for the F5 NGINX Ingress Controller (nginx.org annotations): least-connections
 * balancing (a slow dashboard query must not queue requests behind it, as round robin does),
 * passive health checks, upstream keep-alive, proxy timeouts above gunicorn's, large uploads,
 * HTTPS redirect and HSTS.
 */
export class SupersetIngress extends Construct {
  public static readonly NAME = 'superset';

  constructor(scope: Construct, id: string, props: SupersetIngressProps) {
    super(scope, id);
    const { env } = props;
    const edge = env.config.edge;
    const flower = env.config.superset.flower;
    const proxyTimeout = `${env.config.superset.webserverTimeoutSeconds + PROXY_TIMEOUT_MARGIN_SECONDS}s`;
    const f5: Record<string, string> = {
      'nginx.org/lb-method': 'least_conn',
      'nginx.org/max-fails': String(edge.maxFails),
      'nginx.org/fail-timeout': `${edge.failTimeoutSeconds}s`,
      'nginx.org/keepalive': String(edge.upstreamKeepaliveConnections),
      'nginx.org/proxy-connect-timeout': '10s',
      'nginx.org/proxy-read-timeout': proxyTimeout,
      'nginx.org/proxy-send-timeout': proxyTimeout,
      'nginx.org/client-max-body-size': edge.maxBodySize,
      // TLS terminates at the controller: redirect plain HTTP unconditionally. (redirect-to-https and
      // hsts-behind-proxy are for TLS terminated by a load balancer in front of NGINX.)
      'ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.org/hsts': 'true',
      'nginx.org/hsts-max-age': String(edge.hstsMaxAgeSeconds),
      'nginx.org/hsts-include-subdomains': 'true',
      'nginx.org/server-tokens': 'false',
    };
    // The websocket of async queries (transport "ws"): F5 NGINX proxies the Upgrade only for the
    // Services this annotation names. Its read timeout above is fine for a socket: the server pings
    // every 20 s.
    const websocket = env.config.superset.asyncQueries.enabled && env.config.superset.asyncQueries.transport === 'ws';
    if (websocket) f5['nginx.org/websocket-services'] = SUPERSET_WEBSOCKET.host;
    const annotations: Record<string, string> = edge.controller === 'f5-nginx' ? f5 : {};
    if (edge.tls.certManagerClusterIssuer) annotations['cert-manager.io/cluster-issuer'] = edge.tls.certManagerClusterIssuer;
    // The environment's own annotations win: the escape hatch for another controller or a setting we do not type.
    Object.assign(annotations, edge.annotations);
    const hosts = [{ host: edge.host, tlsSecretName: edge.tls.secretName }, ...edge.extraHosts.map((h) => ({ host: h.host, tlsSecretName: h.tlsSecretName ?? edge.tls.secretName }))];
    const secrets = [...new Set(hosts.map((h) => h.tlsSecretName))];

    new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        name: SupersetIngress.NAME,
        namespace: env.namespace,
        labels: recommendedLabels({ name: 'superset', instance: env.config.instance, component: 'ingress', version: env.config.superset.image.tag }),
        annotations,
      },
      spec: {
        ingressClassName: edge.ingressClassName,
        tls: secrets.map((secretName) => ({ hosts: hosts.filter((h) => h.tlsSecretName === secretName).map((h) => h.host), secretName })),
        rules: hosts.map(({ host }) => ({
          host,
          http: {
            paths: [
              // Celery Flower and the websocket server under their paths (longest prefix wins), Superset for everything else.
              ...(flower.enabled ? [{ path: flower.path, pathType: 'Prefix', backend: { service: { name: SUPERSET_FLOWER.host, port: { name: 'http' } } } }] : []),
              ...(websocket ? [{ path: SUPERSET_WEBSOCKET.path, pathType: 'Prefix', backend: { service: { name: SUPERSET_WEBSOCKET.host, port: { name: 'http' } } } }] : []),
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: SUPERSET_WEB.host, port: { name: 'http' } } },
              },
            ],
          },
        })),
      },
    });
  }
}

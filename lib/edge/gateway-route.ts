import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SUPERSET_FLOWER, SUPERSET_WEB, SUPERSET_WEBSOCKET } from '../superset/endpoints';
import type { Environment } from '../config/load';
import { recommendedLabels } from '../workload/labels';
import { PROXY_TIMEOUT_MARGIN_SECONDS } from './ingress';

export interface SupersetGatewayRouteProps {
  readonly env: Environment;
}

/** API versions of the Gateway API and NGINX Gateway Fabric (>= 2.4) kinds we emit. */
export const GATEWAY_API = 'gateway.networking.k8s.io/v1';
export const NGF_POLICY_API = 'gateway.nginx.org/v1alpha1';

/**
 * The Gateway API alternative to the Ingress: an HTTPRoute on the shared Gateway's HTTPS listener,
 * one on its HTTP listener that redirects to HTTPS, and NGINX Gateway Fabric policies for what the
 * Gateway API cannot express: least_conn with keep-alive (UpstreamSettingsPolicy on the Service)
 * and the request-body limit (ClientSettingsPolicy on the route). TLS terminates on the Gateway.
 */
export class SupersetGatewayRoute extends Construct {
  constructor(scope: Construct, id: string, props: SupersetGatewayRouteProps) {
    super(scope, id);
    const { env } = props;
    const edge = env.config.edge;
    const metadata = (name: string, annotated = false) => ({
      name,
      namespace: env.namespace,
      labels: recommendedLabels({ name: 'superset', instance: env.config.instance, component: 'gateway-route', version: env.config.superset.image.tag }),
      ...(annotated && Object.keys(edge.annotations).length ? { annotations: { ...edge.annotations } } : {}),
    });
    const hostnames = [edge.host, ...edge.extraHosts.map((h) => h.host)];
    const parent = (sectionName: string) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: edge.gateway.name, namespace: edge.gateway.namespace, sectionName });
    const timeout = `${env.config.superset.webserverTimeoutSeconds + PROXY_TIMEOUT_MARGIN_SECONDS}s`;
    const async = env.config.superset.asyncQueries;
    // Every rule answers with the same HSTS header as the Ingress mode's (a new object per rule).
    const hsts = () => ({
      type: 'ResponseHeaderModifier',
      responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: `max-age=${edge.hstsMaxAgeSeconds}; includeSubDomains` }] },
    });

    new ApiObject(this, 'Route', {
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      metadata: metadata('superset', true),
      spec: {
        parentRefs: [parent(edge.gateway.httpsListener)],
        hostnames,
        rules: [{
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          filters: [hsts()],
          backendRefs: [{ name: SUPERSET_WEB.host, port: SUPERSET_WEB.port }],
          timeouts: { request: timeout, backendRequest: timeout },
        },
        // Celery Flower under its path (the longest matching prefix wins), with the same HSTS.
        ...(env.config.superset.flower.enabled ? [{
          matches: [{ path: { type: 'PathPrefix', value: env.config.superset.flower.path } }],
          filters: [hsts()],
          backendRefs: [{ name: SUPERSET_FLOWER.host, port: SUPERSET_FLOWER.port }],
        }] : []),
        // The websocket of async queries (transport "ws"): no request timeout, a socket lives for
        // the whole page view (the Gateway proxies the Upgrade; the server pings every 20 s).
        ...(async.enabled && async.transport === 'ws' ? [{
          matches: [{ path: { type: 'PathPrefix', value: SUPERSET_WEBSOCKET.path } }],
          filters: [hsts()],
          backendRefs: [{ name: SUPERSET_WEBSOCKET.host, port: SUPERSET_WEBSOCKET.port }],
        }] : [])],
      },
    });

    new ApiObject(this, 'Redirect', {
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      metadata: metadata('superset-https-redirect', true),
      spec: {
        parentRefs: [parent(edge.gateway.httpListener)],
        hostnames,
        rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
      },
    });

    new ApiObject(this, 'Upstream', {
      apiVersion: NGF_POLICY_API,
      kind: 'UpstreamSettingsPolicy',
      metadata: metadata('superset-web'),
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: SUPERSET_WEB.host }],
        loadBalancingMethod: 'least_conn',
        keepAlive: { connections: edge.upstreamKeepaliveConnections },
      },
    });

    new ApiObject(this, 'Client', {
      apiVersion: NGF_POLICY_API,
      kind: 'ClientSettingsPolicy',
      metadata: metadata('superset'),
      spec: {
        targetRef: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'superset' },
        body: { maxSize: edge.maxBodySize, timeout },
      },
    });
  }
}

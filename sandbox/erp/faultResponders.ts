import type { FaultResponders } from '../kit/faults';
import { FrappeError, sendFrappeError } from './frappeErrors';

/** ERPNext sits behind nginx: gateway errors come back as nginx's HTML pages, application errors as Frappe JSON. */
export const erpFaultResponders: FaultResponders = {
  tooManyRequests: (res) => {
    res.set('Retry-After', '1');
    sendFrappeError(
      res,
      new FrappeError(429, 'RateLimitExceededError', 'Too Many Requests', [
        'You hit the rate limit because of too many requests. Please try after sometime.',
      ]),
    );
  },
  serverError: (res, status) => {
    if (status === 500) return sendFrappeError(res, new FrappeError(500, 'Exception', 'Internal Server Error', []));
    res
      .status(status)
      .type('html')
      .send(nginxPage(status, status === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable'));
  },
  unavailable: (res) => void res.status(503).type('html').send(nginxPage(503, 'Service Temporarily Unavailable')),
};

function nginxPage(status: number, reason: string): string {
  return `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

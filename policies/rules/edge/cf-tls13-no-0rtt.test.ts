import { cfTls13No0rtt as policy } from "./cf-tls13-no-0rtt";
import { fx } from "../../testing/fixtures";
import { expectPass, expectViolation } from "../../testing/check";

const without = (id: string) => fx.edgeSettings().filter((r) => r.props.settingId !== id);

describe("cf-tls13-no-0rtt", () => {
  test("passes with TLS 1.3 on and 0-RTT off", () => expectPass(policy, fx.edgeSettings()));
  test("passes when 0rtt is not declared (Cloudflare default off)", () => expectPass(policy, without("0rtt")));
  test("fails with 0-RTT on", () => expectViolation(policy, [...without("0rtt"), fx.zoneSetting("0rtt", "on")], '0rtt is "on"'));
  test("fails with tls_1_3 zrt", () => expectViolation(policy, [...without("tls_1_3"), fx.zoneSetting("tls_1_3", "zrt")], '"zrt"'));
  test("fails with TLS 1.3 off", () => expectViolation(policy, [...without("tls_1_3"), fx.zoneSetting("tls_1_3", "off")], 'does not declare tls_1_3 "on"'));
  test("fails when TLS 1.3 is not declared", () => expectViolation(policy, without("tls_1_3"), 'does not declare tls_1_3 "on"'));
});

import { emailDkimKey as policy } from "./email-dkim-key";
import { DKIM_1024, DKIM_ED25519, fx, mutate } from "../../testing/fixtures";
import { expectPass, expectUndecided, expectViolation } from "../../testing/check";
import { UNKNOWN } from "../../lib/unknown";

const dkim = (content: string) => mutate(fx.dkim(), "content", content);

describe("email-dkim-key", () => {
  test("passes with a 2048-bit RSA key", () => expectPass(policy, [fx.dkim(), fx.spf()]));
  test("passes with an ed25519 key", () => expectPass(policy, dkim(`v=DKIM1; k=ed25519; p=${DKIM_ED25519}`)));
  test("fails with a 1024-bit key", () => expectViolation(policy, fx.dkim(DKIM_1024), "1024-bit RSA key"));
  test("fails in testing mode", () => expectViolation(policy, fx.dkim(undefined, " t=y;"), "testing mode"));
  test("fails with an empty key", () => expectViolation(policy, dkim("v=DKIM1; k=rsa; p="), "empty p="));
  test("fails with a non-base64 key", () => expectViolation(policy, dkim("v=DKIM1; k=rsa; p=not*base64"), "not base64"));
  test("fails with garbage that is base64", () => expectViolation(policy, dkim("v=DKIM1; k=rsa; p=AAAA"), "not a valid RSA public key"));
  test("fails with a wrong ed25519 size", () => expectViolation(policy, dkim("v=DKIM1; k=ed25519; p=AAAA"), "ed25519 key of 3 bytes"));
  test("fails with an unknown key type", () => expectViolation(policy, dkim("v=DKIM1; k=dsa; p=AAAA"), "k=dsa"));
  test("fails with a wrong version", () => expectViolation(policy, dkim(`v=DKIM2; k=rsa; p=${DKIM_ED25519}`), "v=DKIM2"));
  test("is undecided when the provider's key is not known yet", () => expectUndecided(policy, mutate(fx.dkim(), "content", UNKNOWN)));
});

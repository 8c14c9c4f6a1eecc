import { signedCaller, type Operation } from './operation';

/** GetCallerIdentity: who signed the request (any credentials sts-local knows may call it). */
export const getCallerIdentity: Operation = (context) => {
  const caller = signedCaller(context);
  return { UserId: caller.userId, Account: caller.accountId, Arn: caller.arn };
};

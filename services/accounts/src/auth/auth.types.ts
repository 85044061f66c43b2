import { Field, InputType, ObjectType } from 'type-graphql';
import { LanguageGql } from '../preferences/preferences.types';

@InputType('SignUpInput')
export class SignUpInputType {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => String, { description: 'The terms version in force, shown to and accepted by the user' })
  termsVersion!: string;

  @Field(() => String, { description: 'The privacy-policy version in force, shown to and accepted by the user' })
  privacyPolicyVersion!: string;

  @Field(() => LanguageGql)
  language!: LanguageGql;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  marketingEmails?: boolean;
}

@InputType('VerifyEmailInput')
export class VerifyEmailInputType {
  @Field(() => String)
  email!: string;

  @Field(() => String, { description: 'The 6-digit code from the mail' })
  code!: string;
}

@InputType('LoginInput')
export class LoginInputType {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;
}

@InputType('ChangePasswordInput')
export class ChangePasswordInputType {
  @Field(() => String)
  currentPassword!: string;

  @Field(() => String)
  newPassword!: string;
}

/** Deliberately the same for new, pending, registered and deleted addresses (no account enumeration). */
@ObjectType('SignUpResult')
export class SignUpResultType {
  @Field(() => String)
  message!: string;

  static accepted(): SignUpResultType {
    return Object.assign(new SignUpResultType(), {
      message: 'If this address can be registered, a verification code is on its way. It expires in 15 minutes.',
    });
  }
}
